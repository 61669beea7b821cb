"""Strict input fields shared by every API serializer: a number must be a JSON number (not a
string, not ``true``), finite (``NaN``/``Infinity``/``1e400`` rejected) and in range; a boolean
must be ``true``/``false``. Form input (a QueryDict, from the wizard's HTML forms) may send numbers
as strings; JSON may not."""

from __future__ import annotations

import math

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.settings import spectacular_settings
from rest_framework import serializers
from rest_framework.utils import html


def _form_input(field: serializers.Field) -> bool:
    return html.is_html_input(getattr(field.root, "initial_data", None))


class StrictNumberField(serializers.FloatField):
    """A finite float in [min_value, max_value] (``gt``: strictly above). A FloatField subclass so
    OpenAPI documents it as a number with its bounds."""

    default_error_messages = {
        "invalid": "Must be a number.",
        "string": "Must be a JSON number, not a string.",
        "boolean": "Must be a number, not true/false.",
        "not_finite": "Must be a finite number (not NaN, Infinity or too large).",
        "min_value": "Must be at least {min_value}.",
        "gt": "Must be greater than {gt}.",
        "max_value": "Must be at most {max_value}.",
    }

    def __init__(self, *, min_value: float | None = None, max_value: float | None = None, gt: float | None = None,
                 **kwargs):
        self.gt = gt  # checked in to_internal_value, not as a validator (OpenAPI would lose "exclusive")
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)

    def _number(self, data) -> float:
        if isinstance(data, bool):
            self.fail("boolean")
        if isinstance(data, str):
            if not _form_input(self) or len(data) > 100:
                self.fail("string")
            try:
                data = float(data.strip())
            except ValueError:
                self.fail("invalid")
        if not isinstance(data, int | float):
            self.fail("invalid")
        try:
            value = float(data)
        except OverflowError:  # a JSON integer with hundreds of digits
            self.fail("not_finite")
        if not math.isfinite(value):
            self.fail("not_finite")
        return value

    def to_internal_value(self, data):
        value = self._number(data)
        if self.gt is not None and not value > self.gt:
            self.fail("gt", gt=self.gt)
        if self.min_value is not None and value < self.min_value:
            self.fail("min_value", min_value=self.min_value)
        if self.max_value is not None and value > self.max_value:
            self.fail("max_value", max_value=self.max_value)
        return value

    def to_representation(self, value):
        return value


class StrictIntegerField(StrictNumberField):
    default_error_messages = {"not_integer": "Must be a whole number."}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not float(value).is_integer():
            self.fail("not_integer")
        return int(value)


class StrictNumberFieldSchema(OpenApiSerializerFieldExtension):
    """OpenAPI for the strict numbers: integer or number, with an *exclusive* minimum for ``gt``."""

    target_class = StrictNumberField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        f = self.target
        schema = {"type": "integer"} if isinstance(f, StrictIntegerField) else {"type": "number", "format": "double"}
        if f.gt is not None:
            if spectacular_settings.OAS_VERSION.startswith("3.0"):
                schema.update(minimum=f.gt, exclusiveMinimum=True)
            else:
                schema["exclusiveMinimum"] = f.gt
        elif f.min_value is not None:
            schema["minimum"] = f.min_value
        if f.max_value is not None:
            schema["maximum"] = f.max_value
        return schema


class StrictBooleanField(serializers.BooleanField):
    """JSON ``true``/``false`` only; form input keeps DRF's checkbox rules."""

    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data):
        if _form_input(self):
            return super().to_internal_value(data)
        if isinstance(data, bool):
            return data
        self.fail("invalid")


class CheckpointingField(serializers.Field):
    """``true``, ``false`` or ``"auto"`` (form input: the strings, or a checkbox's on/off)."""

    default_error_messages = {"invalid": 'Must be true, false or "auto".'}
    _FORM = {"auto": "auto", "true": True, "on": True, "1": True, "false": False, "off": False, "0": False}

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        if data == "auto":
            return "auto"
        if _form_input(self) and isinstance(data, str) and data.strip().lower() in self._FORM:
            return self._FORM[data.strip().lower()]
        self.fail("invalid")

    def to_representation(self, value):
        return value


class CheckpointingFieldSchema(OpenApiSerializerFieldExtension):
    target_class = CheckpointingField

    def map_serializer_field(self, auto_schema, direction):
        return {"oneOf": [{"type": "boolean"}, {"type": "string", "enum": ["auto"]}]}

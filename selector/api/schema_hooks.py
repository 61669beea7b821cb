"""OpenAPI post-processing: rules the serializers check across fields, written into the schema so
clients (and schemathesis) know them."""

WORKLOAD_DATASET = [
    {"required": ["dataset_tokens"]},
    {"required": ["dataset_examples", "avg_tokens_per_example"]},
]


def cross_field_rules(result, generator, request, public):
    schemas = result.get("components", {}).get("schemas", {})
    workload = schemas.get("Workload")
    if workload is not None:
        # The dataset size: tokens, or examples with their average length.
        workload["allOf"] = [
            {"anyOf": WORKLOAD_DATASET},
            # A calibration measurement names its GPU, and a GPU name comes with a measurement.
            {"anyOf": [{"not": {"required": ["measured_tokens_per_second"]}}, {"required": ["measured_gpu_type"]}]},
            {"anyOf": [{"not": {"required": ["measured_hours"]}}, {"required": ["measured_gpu_type"]}]},
            {"anyOf": [{"not": {"required": ["measured_gpu_type"]}}, {"required": ["measured_tokens_per_second"]},
                       {"required": ["measured_hours"]}]},
        ]
    compare = schemas.get("CompareCostsInput")
    if compare is not None:
        # One of training_hours or workload is required.
        compare["anyOf"] = [{"required": ["training_hours"]}, {"required": ["workload"]}]
    return result

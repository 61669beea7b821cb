"""PLACEHOLDER adapter (being written)."""
SLUG = "lambda"
NAME = "Lambda"
SETUP_MINUTES = (5, 10)
BILLING_INCREMENT_SECONDS = 60
SIGNUP_URL = ""
DOCS_URL = ""


def fetch(client):
    raise NotImplementedError


def catalog_offers():
    raise NotImplementedError

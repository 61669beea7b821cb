"""Provider descriptions, setup steps and cost tips: content, kept as data.

Used by ``GET /api/cloud/setup-instructions/<provider>``, by the option pros/cons of the cost
comparison and by the wizard pages. The RunPod, Lambda and Together texts are the product
document's (docs: compute-provider-selection.md, "Supported Providers" and "Provider Setup
Instructions"); Vast.ai, Modal, Replicate and local are written in the same voice.

Pure Python: setup minutes and URLs here are defaults; where a provider adapter is registered its
``SETUP_MINUTES``, ``SIGNUP_URL`` and ``DOCS_URL`` win (see ``selector.services``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProviderGuide:
    slug: str
    name: str
    estimated_time: str  # words, as the product document writes them
    estimated_minutes: tuple[int, int]
    steps: tuple[str, ...]
    signup_url: str
    docs_url: str
    pricing: str = ""
    availability: str = ""
    # The level shown when the provider does not report stock (built-in list prices, APIs without
    # stock data): the product document's description above as one of high | medium | low.
    typical_availability: str = "medium"
    best_for: str = ""
    gpus: tuple[str, ...] = ()
    pros: tuple[str, ...] = ()
    cons: tuple[str, ...] = ()


GUIDES: dict[str, ProviderGuide] = {
    "runpod": ProviderGuide(
        slug="runpod", typical_availability="high", name="RunPod", estimated_time="5-10 minutes", estimated_minutes=(5, 10),
        steps=(
            "Create account at runpod.io",
            "Add payment method and credits",
            "Select GPU template (PyTorch recommended)",
            "Deploy pod and wait for initialization",
            "Connect via SSH or Jupyter notebook",
            "Upload your dataset and training script",
        ),
        signup_url="https://www.runpod.io/console/signup", docs_url="https://docs.runpod.io/",
        pricing="Per-minute billing ($0.44 - $4.25/hr)", availability="Generally high",
        best_for="Quick experiments, flexible workloads",
        gpus=("RTX 4090", "RTX 3090", "A100", "H100", "A10"),
        pros=("Per-minute billing", "Generally high availability", "Good for quick experiments and flexible workloads"),
        cons=("5-10 minutes to deploy a pod before training starts",),
    ),
    "lambda": ProviderGuide(
        slug="lambda", typical_availability="medium", name="Lambda Labs", estimated_time="Immediate (if available)", estimated_minutes=(0, 5),
        steps=(
            "Create account at lambdalabs.com",
            "Add payment method",
            "Select instance type",
            "Launch instance (if available)",
            "SSH into instance",
            "Install dependencies and upload data",
        ),
        signup_url="https://cloud.lambda.ai/sign-up", docs_url="https://docs.lambda.ai/",
        pricing="Lowest prices ($0.50 - $2.49/hr)", availability="Medium (high demand)",
        best_for="Long training runs, cost-sensitive projects",
        gpus=("RTX 3090", "A100", "H100", "V100"),
        pros=("Among the lowest hourly prices", "Starts immediately when capacity is free",
              "Good for long training runs and cost-sensitive projects"),
        cons=("High demand: instances are often sold out",),
    ),
    "together": ProviderGuide(
        slug="together", typical_availability="high", name="Together AI", estimated_time="1-2 minutes", estimated_minutes=(1, 2),
        steps=(
            "Create account at together.ai",
            "Get API key",
            "Configure endpoint",
            "Deploy via API or dashboard",
            "Monitor via web interface",
        ),
        signup_url="https://api.together.ai/signup", docs_url="https://docs.together.ai/",
        pricing="Serverless ($2.00 - $3.50/hr equivalent)", availability="High (auto-scaling)",
        best_for="Instant availability, serverless workloads",
        gpus=("A100 80GB", "H100"),
        pros=("Serverless: auto-scales, high availability", "Ready in 1-2 minutes"),
        cons=("Higher hourly price than GPU rental ($2.00 - $3.50/hr equivalent)", "Only A100 80GB and H100 GPUs"),
    ),
    "vast": ProviderGuide(
        slug="vast", typical_availability="medium", name="Vast.ai", estimated_time="2-10 minutes", estimated_minutes=(2, 10),
        steps=(
            "Create account at vast.ai",
            "Add credits (prepaid)",
            "Search offers: filter by GPU, reliability score and price",
            "Pick a template (PyTorch recommended) and rent the instance, on-demand or as an interruptible bid",
            "Connect via SSH or Jupyter once the instance is running",
            "Upload your dataset and training script; save checkpoints often on interruptible instances",
        ),
        signup_url="https://cloud.vast.ai/", docs_url="https://docs.vast.ai/",
        pricing="Marketplace: hosts set prices, per-second billing", availability="Varies by host",
        best_for="Lowest prices, fault-tolerant workloads",
        gpus=("RTX 3090", "RTX 4090", "A100", "H100", "L40S"),
        pros=("Marketplace: often the lowest prices", "Per-second billing", "Wide choice of GPUs"),
        cons=("Hosts vary in reliability and network speed",),
    ),
    "modal": ProviderGuide(
        slug="modal", typical_availability="high", name="Modal", estimated_time="1-3 minutes", estimated_minutes=(1, 3),
        steps=(
            "Create account at modal.com",
            "Install the client (pip install modal) and run `modal setup` to log in",
            "Write a Modal function that requests a GPU (for example gpu=\"H100\") with your image",
            "Upload your dataset to a Modal Volume",
            "Start training with `modal run` and follow the logs in the dashboard",
        ),
        signup_url="https://modal.com/signup", docs_url="https://modal.com/docs",
        pricing="Serverless, per-second billing", availability="High (auto-scaling)",
        best_for="Python-first serverless jobs",
        gpus=("A10", "A100", "H100", "L40S", "H200"),
        pros=("Serverless: per-second billing, nothing to manage", "Starts in a minute or two"),
        cons=("Code must be packaged as Modal functions",),
    ),
    "replicate": ProviderGuide(
        slug="replicate", typical_availability="high", name="Replicate", estimated_time="1-5 minutes", estimated_minutes=(1, 5),
        steps=(
            "Create account at replicate.com",
            "Create an API token",
            "Choose a trainable model, or package your own with Cog",
            "Start a training via the API or the web, choosing the hardware",
            "Monitor the training on the web dashboard",
        ),
        signup_url="https://replicate.com/signin", docs_url="https://replicate.com/docs",
        pricing="Per-second billing for hardware", availability="High (managed)",
        best_for="Fine-tuning published models",
        gpus=("A100 80GB", "H100", "L40S"),
        pros=("Managed: no machines to set up", "Per-second billing"),
        cons=("Custom training code must be packaged with Cog",),
    ),
    "local": ProviderGuide(
        slug="local", typical_availability="high", name="Local GPU", estimated_time="Immediate (your own GPU)", estimated_minutes=(0, 0),
        steps=(
            "Check the driver: `nvidia-smi` lists your GPU",
            "Install a CUDA-enabled PyTorch build in a virtual environment",
            "Check the free GPU memory covers your model and batch size",
            "Put the dataset on a local disk",
            "Start training; watch temperature and power draw with `nvidia-smi`",
        ),
        signup_url="", docs_url="https://pytorch.org/get-started/locally/",
        pricing="No hourly costs (only electricity)", availability="High (your own hardware)",
        best_for="Development, testing, small models",
        pros=("No hourly cost, only electricity", "Full control over environment", "No setup wait"),
        cons=("Ties up your own machine for the whole run",),
    ),
}

COST_TIPS: tuple[dict, ...] = (
    {"title": "Choose the Right GPU", "tips": (
        "Don't overpay for more VRAM than needed",
        "Consider quantization for smaller GPUs",
        "Balance cost vs training time",
    )},
    {"title": "Optimize Training Time", "tips": (
        "Use efficient training techniques",
        "Implement early stopping",
        "Monitor progress and adjust",
    )},
    {"title": "Use Spot Instances", "tips": (
        "Save up to 70% on cloud costs",
        "Accept potential interruptions",
        "Best for fault-tolerant workloads",
    )},
    {"title": "Compare Regularly", "tips": (
        "Prices and availability change",
        "New providers may offer better deals",
        "Re-evaluate for long-running projects",
    )},
)


def setup_time_words(slug: str, minutes: tuple[int, int]) -> str:
    """The product document's words for a provider's setup time; plain minutes when they differ."""
    guide = GUIDES.get(slug)
    if guide and tuple(guide.estimated_minutes) == tuple(minutes):
        return guide.estimated_time
    lo, hi = minutes
    if hi == 0:
        return "Immediate"
    if lo == hi:
        return f"{hi} minute{'s' if hi != 1 else ''}"
    return f"{lo}-{hi} minutes"


__all__ = ["COST_TIPS", "GUIDES", "ProviderGuide", "setup_time_words"]

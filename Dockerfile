# syntax=docker/dockerfile:1
# One image for every part of the Internet of Agents; the entrypoint is `ioa`:
#
#   docker build -t ioa .                       # the services and agents (default target)
#   docker build --target llm -t ioa-llm .      # optional: the local LLM server (llama.cpp)
#   docker run ioa serve registry               # or chat, coordinator, gateway
#   docker run ioa agent run calculator         # or assistant, writer, python, docs
#   docker run ioa-llm                          # = ioa serve llm
#   docker build --target otel-collector -t ioa-otel-collector .   # compose's collector
#
# Dependencies are pinned: requirements.lock (and requirements-llm.lock) come from
# `python deploy/lock.py`; the project itself installs with --no-deps on top.

ARG PYTHON_IMAGE=python:3.11.7-slim-bookworm

# --- builder: a virtualenv with the pinned runtime dependencies and ioa ---------------
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY requirements.lock ./
RUN pip install --require-virtualenv -r requirements.lock
COPY pyproject.toml README.md ./
COPY protocol ./protocol
COPY registry ./registry
COPY services ./services
COPY gateway ./gateway
COPY ioa ./ioa
RUN pip install --require-virtualenv --no-deps . \
    && python -m compileall -q /opt/venv/lib

# --- llm-builder: llama-cpp-python compiles here (a C++ toolchain, not in the image) ---
FROM builder AS llm-builder
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential cmake \
    && rm -rf /var/lib/apt/lists/*
COPY requirements-llm.lock ./
RUN CMAKE_ARGS="-DGGML_NATIVE=OFF" pip install --require-virtualenv -r requirements-llm.lock

# --- otel-collector: the OpenTelemetry Collector (an image without a shell) plus one
# static busybox, so that docker-compose can probe its health_check extension (13133) ---
FROM busybox:1.36.1-musl AS busybox
FROM otel/opentelemetry-collector-contrib:0.111.0 AS otel-collector
COPY --from=busybox /bin/busybox /bin/busybox

# --- base of both final images: slim Python, a non-root user, no build tools ----------
FROM ${PYTHON_IMAGE} AS base
RUN groupadd --system --gid 10001 ioa \
    && useradd --system --uid 10001 --gid ioa --home-dir /data --shell /usr/sbin/nologin ioa \
    && mkdir -p /data && chown ioa:ioa /data
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    IOA_LOG_FORMAT=json \
    IOA_GATEWAY_HOST=0.0.0.0 \
    IOA_DATABASE_URL=sqlite:////data/registry.db \
    IOA_GATEWAY_DATABASE_URL=sqlite:////data/gateway.db
WORKDIR /data
VOLUME ["/data"]
ENTRYPOINT ["ioa"]

# --- llm: the optional local OpenAI-compatible LLM server -------------------------------
FROM base AS llm
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=llm-builder /opt/venv /opt/venv
USER 10001:10001
EXPOSE 8081
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 CMD ["ioa", "health", "llm"]
CMD ["serve", "llm"]

# --- runtime (the default target): every service and agent ----------------------------
FROM base AS runtime
COPY --from=builder /opt/venv /opt/venv
# The docs agent answers from these unless IOA_DOCS_FOLDER names another folder.
COPY docs /opt/ioa/docs
ENV IOA_DOCS_FOLDER=/opt/ioa/docs
USER 10001:10001
EXPOSE 8000
# `ioa health` with no argument probes what PID 1 runs (or IOA_PART).
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 CMD ["ioa", "health"]
CMD ["--help"]

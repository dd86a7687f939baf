# syntax=docker/dockerfile:1.7
# One image for every Tocsin service; a target per service only sets its command, port and health
# check. `docker build --target incident -t tocsin-incident .`; without --target the last stage
# (notifier) is built, so compose and Kubernetes build the `runtime` target and pass the command.
# Everything the services need is in /opt/tocsin (a venv); the final stages carry no compiler,
# no pip and no source tree.

ARG PYTHON_IMAGE=python:3.11.10-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/tocsin
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY services ./services
COPY cli ./cli
RUN /opt/tocsin/bin/pip install . \
    && /opt/tocsin/bin/pip uninstall -y pip setuptools wheel

FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="tocsin" \
      org.opencontainers.image.description="Self-hosted, Kafka-native incident and problem management" \
      org.opencontainers.image.licenses="Apache-2.0"
RUN useradd --system --uid 10001 --user-group --home-dir /nonexistent --shell /usr/sbin/nologin tocsin \
    && rm -rf /usr/local/lib/python3.11/site-packages/pip /usr/local/bin/pip*
COPY --from=build /opt/tocsin /opt/tocsin
# Twelve-factor: TOCSIN_* variables and the YAML mounted at TOCSIN_CONFIG (none is baked in, so
# no development key can ever answer in production).
ENV PATH=/opt/tocsin/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    TOCSIN_HOST=0.0.0.0 \
    TOCSIN_CONFIG=/etc/tocsin/tocsin.yaml \
    TOCSIN_PORT=8080
USER 10001:10001
WORKDIR /tmp
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os,sys,urllib.request as u; sys.exit(u.urlopen('http://127.0.0.1:%s/readyz' % os.environ.get('TOCSIN_PORT', '8080'), timeout=2).status != 200)"]
ENTRYPOINT ["tocsin"]
CMD ["serve", "incident"]

FROM runtime AS incident
ENV TOCSIN_PORT=8080
EXPOSE 8080
CMD ["serve", "incident"]

FROM runtime AS problem
ENV TOCSIN_PORT=8081
EXPOSE 8081
CMD ["serve", "problem"]

FROM runtime AS sla-monitor
ENV TOCSIN_PORT=8082
EXPOSE 8082
CMD ["serve", "sla-monitor"]

FROM runtime AS notifier
ENV TOCSIN_PORT=8083
EXPOSE 8083
CMD ["serve", "notifier"]

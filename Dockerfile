# One image for every Tocsin service; the command picks the service: `tocsin serve incident`.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY services ./services
COPY cli ./cli
RUN python -m venv /opt/tocsin && /opt/tocsin/bin/pip install --no-cache-dir .

FROM python:3.11-slim
RUN useradd --system --uid 10001 --home /nonexistent tocsin
COPY --from=build /opt/tocsin /opt/tocsin
ENV PATH=/opt/tocsin/bin:$PATH PYTHONUNBUFFERED=1 TOCSIN_HOST=0.0.0.0
USER 10001
ENTRYPOINT ["tocsin"]
CMD ["serve", "incident"]

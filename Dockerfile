# htxbot in webhook mode. UNTESTED: this project's build machines cannot pull base images.
# Build: docker build -t htxbot .   Run: docker run --env-file .env -p 8080:8080 htxbot
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot bot
COPY handlers handlers
COPY storage storage
COPY messages messages
RUN pip install --no-cache-dir ".[postgres]" && useradd --create-home htxbot
USER htxbot
WORKDIR /home/htxbot
ENV HTXBOT_WEBHOOK_LISTEN=0.0.0.0 HTXBOT_WEBHOOK_PORT=8080
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import os,sys,urllib.request; port=os.environ.get('HTXBOT_WEBHOOK_PORT','8080'); sys.exit(urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz').status != 200)"
CMD ["htxbot", "run", "--webhook"]

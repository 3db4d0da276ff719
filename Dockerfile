# Streakpot's image: one image for the web nodes, the scheduler and the migration (compose.yaml).
# Build: docker build -t streakpot .   (checked by hadolint in tests/deploy/test_container_files.py)

# --- build: the locked dependencies into a virtualenv (wheels only: no compiler anywhere) ---
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY requirements.lock /tmp/requirements.lock
RUN /opt/venv/bin/pip install --only-binary=:all: --requirement /tmp/requirements.lock

# --- run: the virtualenv, the fonts, the code; a user without a login or a home to write ---
FROM python:3.11-slim
# fonts-noto-cjk: Chinese text in the images the app draws (share cards); nothing else is needed
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 streakpot \
 && useradd --system --uid 10001 --gid streakpot --no-create-home --shell /usr/sbin/nologin streakpot \
 && mkdir -p /app/instance \
 && chown streakpot:streakpot /app/instance
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY app.py gunicorn.conf.py gunicorn_worker.py ./
COPY habits ./habits
COPY ledger ./ledger
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static
COPY translations ./translations
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    FLASK_APP=app \
    STREAKPOT_ENV=production \
    STREAKPOT_SCHEDULER_MODE=off
USER 10001:10001
# photos (until the object store holds them) and nothing else written: mount a volume here
VOLUME ["/app/instance"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
# gunicorn reads gunicorn.conf.py from /app (2 workers x 4 threads, the balancing worker);
# the scheduler and the migration run the same image with `flask scheduler run` / `flask db upgrade`
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:create_app()"]

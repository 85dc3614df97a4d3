# The production image: one image for the web process (gunicorn), the Celery worker and beat.
# docker-compose.yml wires it to PostgreSQL and Redis; the default command serves the web app.

# The pages' front-end libraries (Chart.js, htmx) from npm, as package-lock.json pins them.
# A stage of their own, so the final image carries the files but no Node.js; without the
# devDependencies (axe-core, which only the browser tests use).
FROM node:20-slim AS assets
WORKDIR /assets
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
COPY --from=assets /assets/node_modules ./node_modules

# Static files are collected into the image (WhiteNoise serves them). The key exists only for
# this step; the broker is set so the settings do not create the filesystem-broker folders.
RUN SECRET_KEY=build-time-only-not-a-secret DEBUG=false CELERY_BROKER_URL=memory:// \
    python manage.py collectstatic --noinput

# The code stays owned by root: the app user can run it but not change it.
RUN useradd --system --uid 10001 --no-create-home --home-dir /nonexistent clinic
# The one place the app writes: FHIR bulk exports (a volume shared by web and worker).
RUN mkdir -p /var/lib/clinic/fhir-exports && chown clinic /var/lib/clinic/fhir-exports
USER clinic

EXPOSE 8000
CMD ["gunicorn", "clinic.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]

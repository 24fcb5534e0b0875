FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml ./
RUN pip install --no-cache-dir --upgrade pip
COPY . .
RUN pip install --no-cache-dir . && \
    DEBUG=false SECRET_KEY=build-only python manage.py collectstatic --noinput && \
    python manage.py compilemessages 2>/dev/null || true
RUN useradd --create-home xuefa && chown -R xuefa /app
USER xuefa
EXPOSE 8000
CMD ["gunicorn", "lawplatform.wsgi:application", "--bind", "0.0.0.0:8000", "--worker-class", "gthread", "--workers", "2", "--threads", "4"]

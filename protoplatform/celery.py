import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "protoplatform.settings")

app = Celery("protoplatform")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Without a broker, tasks run eagerly in the web process (settings.CELERY_TASK_ALWAYS_EAGER), yet
# kombu still builds a connection for them and warns that it has no hostname. The in-memory
# transport needs none, so `make run` starts with a clean log.
if not os.environ.get("CELERY_BROKER_URL"):
    app.conf.broker_url = "memory://localhost/"
app.autodiscover_tasks()

import mimetypes

from django.apps import AppConfig


class PrototypesConfig(AppConfig):
    name = "prototypes"
    verbose_name = "Protoplatform"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Python 3.11 knows .webp only from /etc/mime.types, which slim images lack; web and
        # workers both name stored renditions by it (S3 Content-Type, served media).
        mimetypes.add_type("image/webp", ".webp")

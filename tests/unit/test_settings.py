"""Start-up configuration, checked in fresh processes as an operator would meet it."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "protoplatform.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://protoplatform.example.com",
    "SITE_URL": "https://protoplatform.example.com",
}


def manage(*args, **env):
    # The browser tests' conftest sets DJANGO_ALLOW_ASYNC_UNSAFE in this process; production
    # never has it, and check --deploy rightly refuses it.
    unset = ("DEBUG", "SECRET_KEY", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean | {"VAR_DIR": str(ROOT / "var")} | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_under_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNINGS" not in result.stderr


def test_missing_secret_key_in_production_stops_with_one_line_naming_it():
    env = PRODUCTION | {"SECRET_KEY": ""}
    result = manage("check", **env)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "SECRET_KEY" in lines[0]


def test_misspelt_database_url_stops_with_one_line_naming_it():
    result = manage("check", DATABASE_URL="postgress://app:s3cret@db:5432/app")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "DATABASE_URL" in lines[0]
    assert "s3cret" not in lines[0]


def test_embedded_default_needs_no_server():
    from django.conf import settings

    result = manage(
        "shell",
        "-c",
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_BACKEND)",
        CELERY_BROKER_URL="",
        EMAIL_HOST="",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "django.db.backends.sqlite3",
        "True",
        "django.core.mail.backends.console.EmailBackend",
    ]
    assert settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage")


def test_bad_number_names_its_variable():
    result = manage("check", UPLOAD_MAX_BYTES="25MB")
    assert result.returncode != 0
    assert "UPLOAD_MAX_BYTES" in result.stderr.strip().splitlines()[-1]

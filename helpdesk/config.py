"""Settings read from HELPDESK_* environment variables."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FIXTURES_DIR = PROJECT_ROOT / "fixtures"


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@dataclass(frozen=True)
class ReportSettings:
    """The parameters of the report definitions (see the README's metric definitions); change them, then refresh."""

    cost_per_ticket_paise: int = 250_00
    claim_repair_cost_paise: int = 1_500_00
    payment_terms_days: int = 30
    churn_gap_multiplier: float = 2.0
    churn_min_days: int = 180
    churn_min_gaps: int = 20
    tier_top_percent: tuple[float, float, float] = (5.0, 20.0, 50.0)  # platinum, gold, silver
    refresh_seconds: float = 5.0

    @classmethod
    def from_env(cls, env: dict[str, str]) -> ReportSettings:
        """Read the report settings; a malformed value is a one-line error naming the variable."""
        tiers = _read(env, "HELPDESK_TIER_TOP_PERCENT", "5,20,50", lambda text: tuple(float(p) for p in text.split(",")))
        if len(tiers) != 3 or not 0 < tiers[0] <= tiers[1] <= tiers[2] <= 100:
            raise ValueError("HELPDESK_TIER_TOP_PERCENT must be three rising percentages, e.g. 5,20,50")
        return cls(
            cost_per_ticket_paise=round(_read(env, "HELPDESK_COST_PER_TICKET", "250", float) * 100),
            claim_repair_cost_paise=round(_read(env, "HELPDESK_CLAIM_REPAIR_COST", "1500", float) * 100),
            payment_terms_days=_read(env, "HELPDESK_PAYMENT_TERMS_DAYS", "30", int),
            churn_gap_multiplier=_read(env, "HELPDESK_CHURN_GAP_MULTIPLIER", "2", float),
            churn_min_days=_read(env, "HELPDESK_CHURN_MIN_DAYS", "180", int),
            churn_min_gaps=_read(env, "HELPDESK_CHURN_MIN_GAPS", "20", int),
            tier_top_percent=tiers,
            refresh_seconds=_read(env, "HELPDESK_STATS_REFRESH_SECONDS", "5", float),
        )


def _read(env: dict[str, str], name: str, default: str, parse):
    try:
        value = parse(env.get(name) or default)
    except ValueError:
        raise ValueError(f"{name} is not valid: {env.get(name)!r}") from None
    if isinstance(value, (int, float)) and value < 0:
        raise ValueError(f"{name} must not be negative: {env.get(name)!r}")
    return value


@dataclass(frozen=True)
class Settings:
    """Everything the app and CLI need to know about where things live."""

    database_url: str
    personal_database_url: str
    index_dir: Path
    data_dir: Path
    secret_key: str = field(repr=False)
    # The personal-data keys as text (HELPDESK_PERSONAL_KEYS), or None to use the key file; never in a repr or log.
    personal_keys: str | None = field(default=None, repr=False)
    personal_key_file: Path | None = None
    # Load balancers whose X-Forwarded-For is believed: rate limits and the audit log see the real client
    # address, not the balancer's (without this, every self-service user would share one budget).
    trusted_proxies: str = "127.0.0.1"
    db_pool_size: int = 5
    db_pool_overflow: int = 5
    db_pool_recycle: int = 1800
    # redis://…: sessions in Redis instead of the database's web_session table (either is shared by every machine).
    redis_url: str | None = None
    secure_cookies: bool = False
    session_max_age: int = 12 * 3600
    reload_templates: bool = False
    # One loyalty point per this many rupees of what a customer kept (0: no points are earned).
    loyalty_rupees_per_point: int = 100
    reports: ReportSettings = field(default_factory=ReportSettings)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, cwd: Path | None = None) -> Settings:
        """Build settings from the environment; defaults keep everything in the working directory."""
        env = dict(os.environ if env is None else env)
        cwd = cwd or Path.cwd()
        data_dir = Path(env.get("HELPDESK_DATA_DIR", cwd / ".helpdesk"))
        database_url = env.get("HELPDESK_DATABASE_URL") or _sqlite_url(cwd / "helpdesk.db")
        personal_url = env.get("HELPDESK_PERSONAL_DATABASE_URL") or default_personal_url(database_url)
        index_dir = Path(env.get("HELPDESK_INDEX_DIR") or cwd / "search_index")
        secret = env.get("HELPDESK_SECRET_KEY") or load_or_create_secret(data_dir)
        key_file = env.get("HELPDESK_PERSONAL_KEY_FILE", "").strip()
        return cls(
            database_url=database_url,
            personal_database_url=personal_url,
            index_dir=index_dir,
            data_dir=data_dir,
            secret_key=secret,
            personal_keys=env.get("HELPDESK_PERSONAL_KEYS", "").strip() or None,
            personal_key_file=Path(key_file).expanduser() if key_file else data_dir / "personal_keys",
            trusted_proxies=env.get("HELPDESK_TRUSTED_PROXIES", "").strip() or "127.0.0.1",
            db_pool_size=_int(env, "HELPDESK_DB_POOL_SIZE", 5),
            db_pool_overflow=_int(env, "HELPDESK_DB_POOL_OVERFLOW", 5),
            db_pool_recycle=_int(env, "HELPDESK_DB_POOL_RECYCLE", 1800),
            redis_url=env.get("HELPDESK_REDIS_URL", "").strip() or None,
            secure_cookies=env.get("HELPDESK_SECURE_COOKIES", "0") == "1",
            reload_templates=env.get("HELPDESK_RELOAD_TEMPLATES", "0") == "1",
            loyalty_rupees_per_point=_int(env, "HELPDESK_LOYALTY_RUPEES_PER_POINT", 100),
            reports=ReportSettings.from_env(env),
        )


def _int(env: dict[str, str], name: str, default: int) -> int:
    """A whole-number setting; a bad value is a one-line error naming the variable."""
    text = env.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) > 10_000:
        raise ValueError(f"{name} must be a whole number (got {text!r})")
    return int(text)


def default_personal_url(database_url: str) -> str:
    """The personal-data store sits beside the main one: a second SQLite file, or the same server."""
    if database_url.startswith("sqlite:///") and database_url.endswith(".db"):
        return database_url[: -len(".db")] + "-personal.db"
    if database_url.startswith("sqlite"):
        return database_url + "-personal"
    return database_url


def load_or_create_secret(data_dir: Path) -> str:
    """For local use: generate a secret once and keep it outside the repository, readable by the owner only."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret)
    return secret

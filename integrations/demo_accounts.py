"""Clearly marked demo accounts, one per role, that `reintegratie dev` seeds on its first start.

They live under ``demo.reintegratie.localhost`` (a name that never resolves to a real mailbox) and
share one published password: they exist only in the local embedded stack, never in production.
"""

from __future__ import annotations

from integrations.accounts import DEMO_DOMAIN, AccountRole, AccountStore, NewAccount

DEMO_PASSWORD = "demo-reintegratie"

DEMO_NAMES: dict[AccountRole, str] = {
    AccountRole.hr: "Demo HR (Hanna)",
    AccountRole.manager: "Demo leidinggevende (Mark)",
    AccountRole.coach: "Demo coach (Chris)",
    AccountRole.employee: "Demo medewerker (Sanne)",
    AccountRole.buddy: "Demo buddy (Bram)",
    AccountRole.auditor: "Demo auditor (Anouk)",
}


def demo_email(role: AccountRole) -> str:
    return f"{role.value}@{DEMO_DOMAIN}"


async def seed_demo_accounts(accounts: AccountStore) -> list[NewAccount]:
    """Create the demo accounts that are missing; returns the ones made now (none on a later start)."""
    made = []
    for role, name in DEMO_NAMES.items():
        if await accounts.by_email(demo_email(role)) is None:
            made.append(
                await accounts.add(email=demo_email(role), role=role, name=name, password=DEMO_PASSWORD, demo=True)
            )
    return made


def sign_in_help(web_url: str, data_dir: str) -> str:
    """What a newcomer needs to sign in as each demo role."""
    lines = [f"  demo accounts (password {DEMO_PASSWORD!r}; sign in at {web_url}/login):"]
    for role in DEMO_NAMES:
        extra = (
            "  + code: reintegratie users totp --data-dir " + data_dir + " --email " + demo_email(role)
            if role in (AccountRole.hr, AccountRole.auditor)
            else ""
        )
        lines.append(f"    {role.value:<9} {demo_email(role)}{extra}")
    lines.append(
        f"  (a manager sees the cases whose manager is {demo_email(AccountRole.manager)}; likewise employee, coach, buddy)"
    )
    return "\n".join(lines)

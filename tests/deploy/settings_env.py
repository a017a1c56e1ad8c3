"""Environment variable names each service's settings class accepts, read from the classes."""

from __future__ import annotations

from pydantic import AliasChoices
from pydantic_settings import BaseSettings


def accepted_env_names(settings: type[BaseSettings]) -> set[str]:
    """``<PREFIX><FIELD>`` for every field, plus validation aliases, upper case."""
    prefix = str(settings.model_config.get("env_prefix", ""))
    names: set[str] = set()
    for field_name, field in settings.model_fields.items():
        names.add(f"{prefix}{field_name}".upper())
        alias = field.validation_alias
        if isinstance(alias, str):
            names.add(alias.upper())
        elif isinstance(alias, AliasChoices):
            names.update(str(choice).upper() for choice in alias.choices if isinstance(choice, str))
    return names


def settings_by_prefix() -> dict[str, type[BaseSettings]]:
    from reservation_be.settings import Settings as BackendSettings
    from reservation_event_processor.settings import Settings as ProcessorSettings
    from server_provisioning_webhook.settings import Settings as ServerProvisioningSettings
    from switch_port_webhook.settings import Settings as SwitchPortSettings

    classes: list[type[BaseSettings]] = [
        BackendSettings,
        ProcessorSettings,
        SwitchPortSettings,
        ServerProvisioningSettings,
    ]
    return {str(cls.model_config["env_prefix"]): cls for cls in classes}


def unknown_env_names(env_names: set[str]) -> dict[str, str]:
    """Names carrying a service prefix that the service's settings class would ignore."""
    unknown: dict[str, str] = {}
    for prefix, cls in settings_by_prefix().items():
        accepted = accepted_env_names(cls)
        for name in env_names:
            if name.startswith(prefix) and name not in accepted:
                unknown[name] = cls.__module__
    return unknown

"""Which Zalo template carries which kind of notice: the YAML file KETNOI_ZALO_OA_TEMPLATES,
and its check against the templates Zalo holds (`ketnoi zalo-oa templates check`).

    fair_reminder:                 # a kind of bot.core.notices.NOTICE_KINDS
      template_id: "412001"        # as Zalo numbered it when it approved the template
      fields:                      # template parameter: notice field
        ten_khach_hang: name
        ten_hoi_cho: fair
        ngay: date
        dia_diem: venue
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.channels.zalo_oa_api import ZaloOaApi, ZaloOaError
from bot.core.notices import NOTICE_KINDS

__all__ = ["DEFAULT_PRICE", "Check", "TemplateBook", "TemplateError", "TemplateSpec", "check"]

DEFAULT_PRICE = 200  # VND a message until Zalo's template info says otherwise (its `price`)
APPROVED = "ENABLE"  # the status of a template Zalo approved


class TemplateError(ValueError):
    """The template file cannot be used; the message says where and why."""


class TemplateSpec(BaseModel):
    """One kind's template: its id and which notice field fills each parameter."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    template_id: str
    fields: dict[str, str] = Field(min_length=1)

    @field_validator("template_id")
    @classmethod
    def _digits(cls, value: str) -> str:
        if not value.strip().isdigit():
            raise ValueError("a template id is a number, as Zalo gives it")
        return value.strip()


class TemplateBook(BaseModel):
    """Every configured template, by notice kind; with what Zalo said of them at start-up (the
    price of a message, each parameter's maximum length)."""

    templates: dict[str, TemplateSpec] = Field(default_factory=dict)
    prices: dict[str, int] = Field(default_factory=dict)  # by template id
    max_lengths: dict[str, dict[str, int]] = Field(default_factory=dict)  # id -> param -> max

    @classmethod
    def load(cls, path: Path) -> TemplateBook:
        """The file's templates; none if it does not exist. Raises TemplateError."""
        if not path.exists():
            return cls()
        try:
            raw: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise TemplateError(f"{path}: cannot be read ({exc})") from None
        if not isinstance(raw, dict):
            raise TemplateError(f"{path}: expected a mapping of notice kinds to templates")
        templates = {}
        for kind, spec in raw.items():
            if kind not in NOTICE_KINDS:
                known = ", ".join(NOTICE_KINDS)
                raise TemplateError(f"{path}: {kind}: not a kind of notice (known: {known})")
            try:
                templates[kind] = TemplateSpec.model_validate(spec)
            except ValidationError as exc:
                err = exc.errors()[0]
                where = ".".join(str(p) for p in err["loc"])
                raise TemplateError(f"{path}: {kind}.{where}: {err['msg']}") from None
            for param, name in templates[kind].fields.items():
                if name not in NOTICE_KINDS[kind]:
                    fields = ", ".join(NOTICE_KINDS[kind])
                    raise TemplateError(
                        f"{path}: {kind}.fields.{param}: {name} is not a field of {kind}"
                        f" (its fields: {fields})"
                    )
        return cls(templates=templates)

    def data(self, kind: str, values: dict[str, str]) -> tuple[TemplateSpec, dict[str, str]] | None:
        """The template of a kind and its parameters filled from a notice's values (cut to the
        parameters' maximum length), or None if the kind has no template or a value is
        missing."""
        spec = self.templates.get(kind)
        if spec is None:
            return None
        limits = self.max_lengths.get(spec.template_id, {})
        data = {}
        for param, name in spec.fields.items():
            value = (values.get(name) or "").strip()
            if not value:
                return None
            limit = limits.get(param)
            data[param] = (
                value if limit is None or len(value) <= limit else value[: limit - 1] + "…"
            )
        return spec, data

    def price(self, template_id: str) -> int:
        """What one message of this template costs (VND)."""
        return self.prices.get(template_id, DEFAULT_PRICE)

    def learn(self, template_id: str, info: Any) -> None:
        """Keep the price and the parameters' maximum lengths of Zalo's template info."""
        if not isinstance(info, dict):
            return
        with contextlib.suppress(TypeError, ValueError):  # "200.0", 200 or nothing
            self.prices[template_id] = round(float(info.get("price") or DEFAULT_PRICE))
        self.max_lengths[template_id] = {
            str(p.get("name")): int(str(p.get("maxLength")))
            for p in info.get("listParams") or []
            if isinstance(p, dict) and str(p.get("maxLength", "")).isdigit()
        }


class Check(BaseModel):
    """What the check found for one kind of notice."""

    kind: str
    template_id: str | None = None
    status: str | None = None  # Zalo's
    price: int | None = None
    problems: list[str] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Configured, approved, and every parameter accounted for."""
        return self.template_id is not None and not self.problems


async def check(book: TemplateBook, api: ZaloOaApi, access_token: str) -> list[Check]:
    """Each kind of notice against Zalo: its template exists and is approved, every parameter
    it requires is filled, and every parameter filled is one it has."""
    found = []
    for kind in NOTICE_KINDS:
        spec = book.templates.get(kind)
        if spec is None:
            found.append(
                Check(
                    kind=kind,
                    problems=["no template: outside the 7 days these notices cannot be sent"],
                )
            )
            continue
        result = Check(kind=kind, template_id=spec.template_id)
        try:
            info = await api.template_info(access_token, spec.template_id)
        except ZaloOaError as exc:
            result.problems.append(f"Zalo has no such template ({exc})")
            found.append(result)
            continue
        book.learn(spec.template_id, info)
        result.status = str(info.get("status")) if isinstance(info, dict) else None
        result.price = book.price(spec.template_id)
        if result.status != APPROVED:
            result.problems.append(f"not approved by Zalo (status {result.status})")
        params = [p for p in (info.get("listParams") or []) if isinstance(p, dict)]
        names = {str(p.get("name")) for p in params}
        for p in params:
            if p.get("require") and str(p.get("name")) not in spec.fields:
                result.problems.append(f"the template's parameter {p.get('name')} is not filled")
        for param in spec.fields:
            if param not in names:
                result.problems.append(f"{param}: the template has no such parameter")
        found.append(result)
    return found

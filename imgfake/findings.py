"""The small record every forensic check uses to tell a person what it found."""

from __future__ import annotations

from dataclasses import asdict, dataclass

SEVERITIES = ("info", "notice", "warning")


@dataclass(frozen=True)
class Finding:
    """One plain-words observation about an image.

    Parameters
    ----------
    code : str
        Stable identifier, e.g. ``"software-named"``; tests and the dashboard key on it.
    severity : {"info", "notice", "warning"}
        ``info`` is context, ``notice`` deserves a look, ``warning`` points at editing.
    message : str
        One sentence for a person who is not a forensics expert.
    """

    code: str
    severity: str
    message: str

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(
                f"severity must be one of {SEVERITIES}, got {self.severity!r}"
            )

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

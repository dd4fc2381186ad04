"""images.pulled: the medic-os and haproxy images are on this host (pulled with progress)."""

from __future__ import annotations

from installer.step import Context, Finding, StepError, needed, ok

MB = 1000**2


def wanted_images(ctx: Context) -> list[tuple[str, str]]:
    config = ctx.config
    return [
        ("medic-os", config.image_ref(config.images.medic_os)),
        ("haproxy", config.image_ref(config.images.haproxy)),
    ]


def missing_images(ctx: Context) -> list[str] | None:
    """References not on the host; None when Docker does not answer."""
    client = ctx.host.docker()
    if client is None:
        return None
    missing = []
    for _, ref in wanted_images(ctx):
        try:
            client.images.get(ref)
        except Exception:
            missing.append(ref)
    return missing


class ImagesPulled:
    id = "images.pulled"
    title = "CHT images are pulled"

    def probe(self, ctx: Context) -> Finding:
        missing = missing_images(ctx)
        if missing is None:
            return needed("Docker is not running yet, so the images cannot be checked")
        if missing:
            return needed(f"not on this host yet: {', '.join(missing)}")
        return ok("present: " + ", ".join(ref for _, ref in wanted_images(ctx)))

    def apply(self, ctx: Context) -> None:
        images = wanted_images(ctx)
        totals: dict[str, tuple[int, int]] = {}

        for name, ref in images:
            def report(done: int, total: int, detail: str, name: str = name) -> None:
                totals[name] = (done, total)
                all_done = sum(d for d, _ in totals.values())
                all_total = sum(t for _, t in totals.values())
                if total:
                    detail = f"{name}: {done / MB:.1f} of {total / MB:.1f} MB"
                else:
                    detail = f"{name}: {detail}"
                ctx.progress(all_done, all_total, detail)

            ctx.log(f"pulling {ref}")
            try:
                ctx.host.pull(ref, report)
            except Exception as exc:
                source = ctx.config.registry or "Docker Hub"
                raise StepError(
                    f"could not pull {ref} from {source}: {exc}",
                    "Check that the server reaches the registry "
                    f"({source}) and that the image name and tag are right, then re-run.",
                ) from exc

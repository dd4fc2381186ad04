"""images.pulled: the medic-os and haproxy images are on this host (pulled with progress)."""

from __future__ import annotations

from installer.events import Progress
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
        layers_of: dict[str, dict[str, tuple[int, int]]] = {}

        for name, ref in images:
            def report(layers: dict[str, tuple[int, int]], status: str, name: str = name) -> None:
                layers_of[name] = layers
                done = sum(d for d, _ in layers.values())
                total = sum(t for _, t in layers.values())
                parts = tuple((f"{image} {layer}", d, t)
                              for image, each in layers_of.items()
                              for layer, (d, t) in each.items())
                detail = (f"{name}: {done / MB:.1f} of {total / MB:.1f} MB" if total
                          else f"{name}: {status}")
                ctx.emit(Progress(ctx.step_id, sum(p[1] for p in parts),
                                  sum(p[2] for p in parts), detail, parts))

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

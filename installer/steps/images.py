"""images.pulled: the chosen CHT line's images are on this host (pulled with progress):
medic-os and haproxy for 3.x; for the current line, every image CHT's compose files and the
upgrade service name (through a mirror, then tagged with CHT's own names)."""

from __future__ import annotations

import http.client
import time
from pathlib import Path

from installer.answer_checks import IPV4
from installer.disk import FULL_FIX, free_bytes, human, is_disk_full
from installer.events import Progress
from installer.host import PullProgress
from installer.host.docker_api import docker_errors
from installer.proxy import carries
from installer.registry import ARCH, registry_host
from installer.step import Context, Finding, StepError, needed, ok

# Waits between tries of a pull that broke off (the registry or the network failing).
PULL_RETRY_DELAYS: tuple[float, ...] = (3.0, 6.0, 12.0)
# Docker keeps the compressed download and the extracted layers: about three times.
EXTRACTED_FACTOR = 3
DNS_SIGNS = ("no such host", "Temporary failure in name resolution", "Name or service not known",
             "server misbehaving")


def images_of(ctx: Context) -> list[tuple[str, str, str]]:
    """(name, the reference to pull, the name compose runs it by) per image."""
    return ctx.line.images(ctx)


def missing_images(ctx: Context, images: list[tuple[str, str, str]]) -> list[str] | None:
    """References to pull whose image is not on the host; None when Docker does not answer."""
    client = ctx.host.docker()
    if client is None:
        return None
    missing = []
    for _, ref, local in images:
        try:
            client.images.get(local)
        except docker_errors():
            missing.append(ref)
    return missing


def tag_as_named(ctx: Context, ref: str, local: str) -> None:
    """A mirror's image, tagged with the name CHT's compose files use (they stay CHT's)."""
    result = ctx.host.run(["docker", "tag", ref, local])
    if not result.ok:
        raise StepError(f"could not name {ref} as {local}: {result.tail(2)}",
                        "Check that Docker runs (`docker ps`), then run cht-install again.")


class ImagesPulled:
    """Every image the line runs is on this server, pulled with room checked first."""

    id = "images.pulled"
    title = "CHT images are pulled"

    def probe(self, ctx: Context) -> Finding:
        wanted = images_of(ctx)
        missing = missing_images(ctx, wanted)
        if missing is None:
            return needed("Docker is not running yet, so the images cannot be checked")
        if missing:
            return needed(f"not on this host yet: {', '.join(missing)}")
        return ok("present: " + ", ".join(ref for _, ref, _ in wanted))

    def apply(self, ctx: Context) -> None:
        wanted = images_of(ctx)
        missing = missing_images(ctx, wanted)  # None: Docker did not say; pull them all
        pull_all(ctx, [image for image in wanted if missing is None or image[1] in missing])


def pull_all(ctx: Context, images: list[tuple[str, str, str]]) -> None:
    """Pull (name, reference, local name) images one after another with one progress bar,
    after the pre-flight; a mirror's image is tagged with the name compose runs it by."""
    preflight(ctx, [ref for _, ref, _ in images])
    layers_of: dict[str, dict[str, tuple[int, int]]] = {}

    for name, ref, local in images:
        def report(layers: dict[str, tuple[int, int]], status: str, name: str = name) -> None:
            layers_of[name] = layers
            done = sum(d for d, _ in layers.values())
            total = sum(t for _, t in layers.values())
            parts = tuple((f"{image} {layer}", d, t)
                          for image, each in layers_of.items()
                          for layer, (d, t) in each.items())
            detail = (f"{name}: {human(done)} of {human(total)}" if total
                      else f"{name}: {status}")
            ctx.emit(Progress(ctx.step_id, sum(p[1] for p in parts),
                              sum(p[2] for p in parts), detail, parts))

        pull_with_retries(ctx, ref, report)
        if local != ref:
            tag_as_named(ctx, ref, local)


def source_of(ctx: Context) -> str:
    if ctx.config.registry:
        return ctx.config.registry
    return ctx.line.image_source


def preflight(ctx: Context, refs: list[str]) -> None:
    """Before the first byte: the registry's name resolves, and the disk holding Docker's
    images has room for them (about three times their compressed size)."""
    if not ctx.host.live:
        return  # a plan for another machine: its DNS and disks are not this one's
    for ref in refs:
        host = registry_host(ref)
        # behind a proxy the proxy resolves the name (hospital networks often give servers
        # no DNS for the outside)
        if not IPV4.match(host) and not carries(host) and not ctx.host.resolve(host):
            raise StepError(*dns_finding(host))
    for ref in refs:
        refuse_other_platforms(ctx, ref)
    client = ctx.host.docker()
    if client is None or not refs:
        return
    sizes = [ctx.host.image_download_size(ref) for ref in refs]
    if any(size is None for size in sizes):
        ctx.log("the registry did not say how big the images are: no disk estimate")
        return
    need = EXTRACTED_FACTOR * sum(size or 0 for size in sizes)
    docker_root = Path(str(client.info().get("DockerRootDir", "/var/lib/docker")))
    free = free_bytes(docker_root)
    ctx.log(f"the images need about {human(need)}; {human(free or 0)} free under {docker_root}")
    if free is not None and free < need:
        raise StepError(
            f"the images need about {human(need)} on the disk holding {docker_root}, "
            f"and only {human(free)} is free",
            "Free space there (e.g. `docker system prune` removes unused images) or give "
            "the disk more, then run cht-install again.",
        )


def refuse_other_platforms(ctx: Context, ref: str) -> None:
    """The image (the mirror's, when there is one) must exist for this machine's processor."""
    platforms = ctx.host.image_platforms(ref)
    arch = ARCH.get(ctx.platform.arch, ctx.platform.arch)
    if not platforms or any(p.split("/")[1:2] == [arch] for p in platforms):
        return
    raise StepError(
        f"{ref} is built for {', '.join(platforms)} only, and this server is "
        f"{ctx.platform.arch} ({arch}): it could not run here",
        "Use a server with a processor the image is built for, or, if your mirror should "
        "hold an image for this processor, fix the mirror; then run cht-install again.")


def pull_error(exc: Exception, source: str) -> str:
    """What went wrong with a pull, in words (not the Docker API's URL and status)."""
    if isinstance(exc, http.client.HTTPException):
        return "the connection to Docker broke off mid-answer"
    text = str(exc)
    lowered = text.lower()
    if "connection refused" in lowered:
        return f"nothing answers at {source} (connection refused)"
    if "connection reset" in lowered or lowered.endswith(": eof") or '": eof' in lowered:
        return f"{source} closed the connection (reset, or cut off mid-answer)"
    if "timeout" in lowered or "timed out" in lowered:
        return f"{source} did not answer in time"
    if "manifest unknown" in lowered or "not found" in lowered:
        return f"{source} does not have that image or tag ({text})"
    if "unauthorized" in lowered or "denied" in lowered:
        return f"{source} refused access ({text})"
    return text


def dns_finding(host: str) -> tuple[str, str]:
    return (
        f"the registry's name {host} does not resolve (DNS)",
        f"Check the server's DNS: `getent hosts {host}` must print an address; fix the "
        "nameserver in /etc/resolv.conf (or your network settings), or give a registry "
        "mirror by address ([[registry]]), then run cht-install again.",
    )


def pull_with_retries(ctx: Context, ref: str, report: PullProgress) -> None:
    """Pull, retrying with growing waits: Docker keeps the layers already fetched, so each
    try goes on from where the last one broke off."""
    delays = ctx.facts.pull_retry_delays or PULL_RETRY_DELAYS
    attempts = len(delays) + 1
    for attempt in range(1, attempts + 1):
        ctx.log(f"pulling {ref}" + (f" (try {attempt} of {attempts})" if attempt > 1 else ""))
        try:
            ctx.host.pull(ref, report)
            return
        except docker_errors(RuntimeError) as exc:  # RuntimeError: the daemon's own words
            cause = pull_error(exc, source_of(ctx))
            if is_disk_full(exc):
                raise StepError(
                    f"the disk holding Docker's images is full while pulling {ref}",
                    FULL_FIX) from exc
            if any(sign in str(exc) for sign in DNS_SIGNS):
                raise StepError(*dns_finding(registry_host(ref))) from exc
            if attempt == attempts:
                raise StepError(
                    f"could not pull {ref} from {source_of(ctx)} after {attempts} tries: "
                    f"{cause}",
                    f"Check that the server reaches the registry ({source_of(ctx)}) and "
                    "that the image name and tag are right, then run cht-install again: "
                    "it goes on from the layers already fetched.",
                ) from exc
            wait = float(delays[attempt - 1])
            ctx.log(f"the pull of {ref} broke off ({cause}); trying again in {wait:.0f} s")
            ctx.progress(0, 0, f"registry not answering; retry {attempt + 1} of {attempts} "
                         f"in {wait:.0f} s")
            time.sleep(wait)

"""Media pipeline benchmark: the images step against libvips' two pipelines, measured in the same run.

A camera-like 48 MP JPEG (8000x6000, quality 92, 4:2:0, EXIF) is generated here (no downloads) and taken
to the photo kind's full variant set by three pipelines, each in its own long-lived worker process with
one thread (VIPS_CONCURRENCY=1), in interleaved rounds:
- ours: ``media_pipeline.imaging.render``, in a process that never loads libvips (as in the Lambda:
  libvips' libwebp would otherwise take the place of the newer one Pillow's wheel brings);
- libvips "thumbnail": ``thumbnail_buffer`` to the largest variant, each smaller one from the previous;
- libvips "shrink-on-load": ``jpegload`` with the largest power-of-two ``shrink`` that still covers the
  largest variant, then ``thumbnail_image`` down to it and each smaller one from the previous.
Both libvips pipelines write exactly our variants with our encoder settings (imaging's constants).

Prints, as ratios measured in this run: CPU time (median of ROUNDS rounds; the goal is <= 0.9 of the
faster libvips pipeline) and wall-clock; SSIM of the 2048 px files against the ideal (the full decode
reduced straight to 2048 px with Lanczos 3) and total bytes; peak RSS of fresh processes rendering
100 MP PNGs and the 48 MP JPEG, against the images function's memory.

Run: .venv/bin/python bench/bench_media.py   (BENCH_MEDIA_ROUNDS=n to change the rounds, default 9;
BENCH_MEDIA_WEBP_METHOD=n for another WebP effort on every side; needs Debian's libvips42 for pyvips)
"""

from __future__ import annotations

import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

os.environ["VIPS_CONCURRENCY"] = "1"  # before pyvips loads libvips: one thread, as ours

from PIL import Image, ImageDraw

from marketplace.media_kinds import KINDS
from media_pipeline import imaging
from media_pipeline.imaging import JPEG_QUALITY, WEBP_QUALITY, render, variant_formats, variant_sizes
from media_pipeline.steps import STEPS

ROUNDS = int(os.environ.get("BENCH_MEDIA_ROUNDS") or 9)
# Another WebP effort on both sides, to see how the encoder's share moves the ratio (default: ours, and
# libvips' own default, 4, for libvips).
_EFFORT = os.environ.get("BENCH_MEDIA_WEBP_METHOD")
WEBP_METHOD = imaging.WEBP_METHOD = int(_EFFORT or imaging.WEBP_METHOD)
VIPS_EFFORT = int(_EFFORT or 4)
MAX_PIXELS = 100_000_000
PHOTO = KINDS["photo"]
PIPELINES = ("ours", "vips_thumbnail", "vips_shrink_on_load")
IMAGES_MEMORY_MB = next(step.memory_mb for step in STEPS if step.name == "images")


def camera_photo(width: int, height: int, *, seed: int = 0, quality: int = 92) -> bytes:
    """A camera's JPEG: detail at every scale (each octave of noise weighted like a natural scene's
    1/f spectrum), hard edges and thin lines (windows, railings), sensor noise, chroma smoother than
    luma, 4:2:0 at quality 92 with an EXIF block. Resizers and encoders do the work they do on photos."""
    luma = Image.new("L", (width, height), 128)
    for octave in range(7, 0, -1):
        layer = Image.effect_noise((max(2, width >> octave), max(2, height >> octave)), 64 + seed)
        luma = Image.blend(luma, layer.resize((width, height), Image.Resampling.BICUBIC), 0.45 if octave > 3 else 0.3)
    draw = ImageDraw.Draw(luma)
    for n in range(40):
        x, y = (width * (n * 7 % 40)) // 40, (height * (n * 13 % 40)) // 40
        draw.rectangle((x, y, x + width // 25, y + height // 18), fill=40 + (n * 37) % 200)
        draw.line((x, y, x + width // 6, y + height // 50), fill=250 - (n * 23) % 120, width=1 + n % 4)
    luma = Image.blend(luma, Image.effect_noise((width, height), 30), 0.08)
    chroma = [Image.effect_noise((width // edge, height // edge), 40).resize((width, height), Image.Resampling.BICUBIC)
              for edge in (64, 32)]
    image = Image.merge("YCbCr", (luma, *chroma)).convert("RGB")
    exif = Image.Exif()
    exif.update({0x010F: "Camera", 0x0110: "48MP", 0x0112: 1})
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, subsampling="4:2:0", exif=exif.tobytes())
    return buffer.getvalue()


# --- the pipelines, each run inside a worker process ---------------------------------------------------

def ours(data: bytes) -> dict[str, bytes]:
    return {output.name: output.data for output in render(data, PHOTO, max_pixels=MAX_PIXELS).outputs}


def _vips_variants(largest, width: int, height: int) -> dict[str, bytes]:
    """Our variant set from libvips, each size from the previous one, with our encoder settings."""
    files = {}
    current = largest.copy_memory()
    for label, w, h in variant_sizes(PHOTO, width, height):
        if (current.width, current.height) != (w, h):
            current = current.thumbnail_image(w, height=h, size="force").copy_memory()
        for fmt in variant_formats(PHOTO, w, h):
            if fmt == "webp":
                files[f"{label}_webp"] = current.webpsave_buffer(Q=WEBP_QUALITY, effort=VIPS_EFFORT, strip=True)
            else:
                files[f"{label}_jpeg"] = current.jpegsave_buffer(Q=JPEG_QUALITY, interlace=True,
                                                                 optimize_coding=True, strip=True)
    return files


def vips_thumbnail(data: bytes) -> dict[str, bytes]:
    import pyvips

    head = pyvips.Image.new_from_buffer(data, "")
    (_label, w, h), *_ = variant_sizes(PHOTO, head.width, head.height)
    largest = pyvips.Image.thumbnail_buffer(data, w, height=h, size="force")
    return _vips_variants(largest, head.width, head.height)


def vips_shrink_on_load(data: bytes) -> dict[str, bytes]:
    import pyvips

    head = pyvips.Image.new_from_buffer(data, "")
    (_label, w, h), *_ = variant_sizes(PHOTO, head.width, head.height)
    shrink = next(s for s in (8, 4, 2, 1) if head.width // s >= w and head.height // s >= h)
    loaded = pyvips.Image.new_from_buffer(data, "", shrink=shrink, access="sequential").autorot()
    largest = loaded.thumbnail_image(w, height=h, size="force")
    return _vips_variants(largest, head.width, head.height)


def worker(path: str) -> None:
    """Answer one line per request on stdin: run a pipeline on the photo, report CPU/wall time and sizes;
    "keep DIR" writes the last files of each pipeline there."""
    with open(path, "rb") as file:
        data = file.read()
    last: dict[str, dict[str, bytes]] = {}
    for line in sys.stdin:
        command, argument = line.split()
        if command == "versions":
            from PIL import features

            print(json.dumps({"pillow": Image.__version__, "webp": features.version("webp"),
                              "jpeg": features.version("libjpeg_turbo")}), flush=True)
            continue
        if command == "keep":
            for pipeline, files in last.items():
                for name, body in files.items():
                    with open(os.path.join(argument, f"{pipeline}.{name}"), "wb") as out:
                        out.write(body)
            print("{}", flush=True)
            continue
        fn = globals()[argument]
        start, start_cpu = time.perf_counter(), time.process_time()
        files = fn(data)
        cpu, wall = time.process_time() - start_cpu, time.perf_counter() - start
        last[argument] = files
        print(json.dumps({"cpu": cpu, "wall": wall, "bytes": sum(map(len, files.values())),
                          "pyvips_loaded": "pyvips" in sys.modules}), flush=True)


class Worker:
    def __init__(self, path: str) -> None:
        self.process = subprocess.Popen([sys.executable, __file__, "--worker", path], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)

    def ask(self, command: str, argument: str) -> dict:
        self.process.stdin.write(f"{command} {argument}\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


# --- fidelity --------------------------------------------------------------------------------------------

def ssim(image, reference) -> float:
    """Mean SSIM over R, G and B (Gaussian window, sigma 1.5; the usual constants), computed by libvips."""
    a, b = image.cast("float"), reference.cast("float")

    def blur(x):
        return x.gaussblur(1.5, min_ampl=0.01, precision="float")

    mean_a, mean_b = blur(a), blur(b)
    var_a, var_b = blur(a * a) - mean_a * mean_a, blur(b * b) - mean_b * mean_b
    covariance = blur(a * b) - mean_a * mean_b
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    index = ((mean_a * mean_b * 2 + c1) * (covariance * 2 + c2)) / \
        ((mean_a * mean_a + mean_b * mean_b + c1) * (var_a + var_b + c2))
    return index.avg()


def fidelity(data: bytes, kept: str) -> dict[str, dict[str, float]]:
    """SSIM of each pipeline's files against the full decode reduced straight to each size."""
    import pyvips

    full = Image.open(io.BytesIO(data)).convert("RGB")
    scores: dict[str, dict[str, float]] = {}
    for label, w, h in variant_sizes(PHOTO, *full.size):
        ideal = full.resize((w, h), Image.Resampling.LANCZOS)
        reference = pyvips.Image.new_from_memory(ideal.tobytes(), w, h, 3, "uchar")
        for pipeline in PIPELINES:
            for fmt in variant_formats(PHOTO, w, h):
                decoded = pyvips.Image.new_from_file(os.path.join(kept, f"{pipeline}.{label}_{fmt}"))
                scores.setdefault(pipeline, {})[f"{label}_{fmt}"] = ssim(decoded, reference)
    return scores


# --- memory ------------------------------------------------------------------------------------------------

def _high_water_mb() -> float:
    """This process's peak resident memory (VmHWM: reset at exec, unlike ru_maxrss)."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def rss_of_render(path: str) -> None:
    with open(path, "rb") as file:
        data = file.read()
    baseline = _high_water_mb()
    render(data, PHOTO, max_pixels=MAX_PIXELS)
    print(f"{baseline:.0f} {_high_water_mb():.0f}")


def big_pngs(directory: str) -> dict[str, str]:
    """100 MP PNGs that compress to almost nothing (flat areas, a few blocks): 16-bit grey, 16-bit RGB,
    8-bit RGBA."""
    import pyvips

    flat = (pyvips.Image.black(10000, 10000) + 30000).draw_rect(50000, 1000, 1000, 3000, 2000, fill=True)
    grey16 = flat.cast("ushort").copy(interpretation="grey16")
    files = {"16-bit grey": grey16, "16-bit RGB": grey16.bandjoin([grey16, grey16 / 2]).cast("ushort").copy(
        interpretation="rgb16"), "8-bit RGBA": (grey16 / 256).bandjoin([64, 128, 255]).cast("uchar").copy(
        interpretation="srgb")}
    paths = {}
    for name, image in files.items():
        paths[name] = os.path.join(directory, name.replace(" ", "_") + ".png")
        image.pngsave(paths[name], compression=9)
    return paths


def peak_rss(path: str) -> tuple[float, float]:
    done = subprocess.run([sys.executable, __file__, "--rss", path], capture_output=True, text=True, check=True)
    baseline, peak = (float(v) for v in done.stdout.split())
    return baseline, peak


# --- the run -------------------------------------------------------------------------------------------------

def timed_rounds(workers: dict[str, Worker]) -> dict[str, dict[str, float]]:
    """One warm-up, then ROUNDS rounds; the order rotates each round so that no pipeline always runs
    first or last after the others."""
    samples: dict[str, list[dict]] = {name: [] for name in PIPELINES}
    for name in PIPELINES:
        workers[name].ask("run", name)
    for n in range(ROUNDS):
        for name in PIPELINES[n % 3:] + PIPELINES[:n % 3]:
            samples[name].append(workers[name].ask("run", name))
    return {name: {"cpu": statistics.median(s["cpu"] for s in runs), "wall": statistics.median(s["wall"] for s in runs),
                   "cpu_spread": (min(s["cpu"] for s in runs), max(s["cpu"] for s in runs)),
                   "bytes": runs[-1]["bytes"], "pyvips_loaded": runs[-1]["pyvips_loaded"]}
            for name, runs in samples.items()}


def compare(path: str, data: bytes, kept: str) -> None:
    workers = {name: Worker(path) for name in PIPELINES}
    try:
        ours_versions = workers["ours"].ask("versions", "-")
        print(f"  ours: Pillow {ours_versions['pillow']} with libwebp {ours_versions['webp']} and libjpeg-turbo "
              f"{ours_versions['jpeg']} (its wheel's own)")
        load = os.getloadavg()[0]
        results = timed_rounds(workers)
        for name in PIPELINES:
            workers[name].ask("keep", kept)
    finally:
        for worker_process in workers.values():
            worker_process.close()
    assert not results["ours"]["pyvips_loaded"], "ours must run without libvips in its process"
    print(f"  (load average {load:.1f} before timing, {os.getloadavg()[0]:.1f} after)")
    print(f"  {'':22s} {'CPU median':>10s} {'(min-max)':>13s} {'wall':>8s} {'bytes':>10s}")
    for name in PIPELINES:
        r = results[name]
        print(f"  {name:22s} {r['cpu']:8.3f} s  ({r['cpu_spread'][0]:.2f}-{r['cpu_spread'][1]:.2f}) "
              f"{r['wall']:6.3f} s {r['bytes']:10,d}")
    faster = min(PIPELINES[1:], key=lambda name: results[name]["cpu"])
    scores = fidelity(data, kept)
    for name in PIPELINES[1:]:
        them = results[name]
        mark = "  <- faster" if name == faster else ""
        print(f"  ours / {name:20s} CPU {results['ours']['cpu'] / them['cpu']:.3f}, wall "
              f"{results['ours']['wall'] / them['wall']:.3f}, bytes {results['ours']['bytes'] / them['bytes']:.3f}{mark}")
    print("  goal: CPU <= 0.9 of the faster, bytes within 3 %")
    print("  SSIM against the full decode reduced straight to each size (Lanczos 3); goal at 2048 px: ours >= "
          "libvips - 0.002")
    print(f"    {'':12s}" + "".join(f"{name:>22s}" for name in PIPELINES) + "   ours - faster   ours - best")
    for variant in scores["ours"]:
        row = [scores[name][variant] for name in PIPELINES]
        print(f"    {variant:12s}" + "".join(f"{score:22.4f}" for score in row) +
              f"{row[0] - scores[faster][variant]:+16.4f}{row[0] - max(row[1:]):+14.4f}")


def main() -> None:
    import pyvips

    print(f"libvips {pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)}, VIPS_CONCURRENCY=1, "
          f"WebP q{WEBP_QUALITY} effort {WEBP_METHOD} (libvips {VIPS_EFFORT}), JPEG q{JPEG_QUALITY} progressive, "
          f"median of {ROUNDS} interleaved rounds, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "camera-48mp.jpg")
        data = camera_photo(8000, 6000)
        with open(path, "wb") as file:
            file.write(data)
        sizes = ", ".join(f"{label} ({'+'.join(variant_formats(PHOTO, w, h))})"
                          for label, w, h in variant_sizes(PHOTO, 8000, 6000))
        print(f"\n1. Camera-like 48 MP JPEG (8000x6000, {len(data) / 1e6:.1f} MB) -> photo variants: {sizes}")
        compare(path, data, directory)

        print(f"\n2. Peak RSS of a fresh process rendering one file (VmHWM; images function: {IMAGES_MEMORY_MB} MB)")
        for name, png in {**big_pngs(directory), "48 MP JPEG": path}.items():
            baseline, peak = peak_rss(png)
            print(f"  {name:12s} ({os.path.getsize(png) / 1e6:5.1f} MB file): peak {peak:4.0f} MB "
                  f"({peak / IMAGES_MEMORY_MB:.2f} of the function's memory; {baseline:.0f} MB before rendering)")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--rss":
        rss_of_render(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "--worker":
        worker(sys.argv[2])
    else:
        main()

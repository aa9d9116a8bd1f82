"""The times page's per-stage table, from Snakemake benchmark files."""
from effbench.benchtable import summarise, to_markdown

HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"


def bench(root, rel, seconds, rss=100.0):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + f"{seconds}\t0:00:01\t{rss}\t0\t0\t0\t0\t0\t50\t1\n")


def test_stages_sum_their_jobs_and_sit_beside_the_previous_run(tmp_path):
    now, before = tmp_path / "now", tmp_path / "before"
    bench(now, "vit/train.dense.seed0.tsv", 10.0, 300)
    bench(now, "vit/train.dense.seed1.tsv", 14.0, 500)
    bench(now, "claims.tsv", 2.0)
    bench(before, "vit/train.dense.seed0.tsv", 30.0)
    bench(before, "old/rule.tsv", 7.0)
    table = summarise(now)
    vit = table.set_index("stage").loc["vit/train"]
    assert (vit.jobs, vit.total_s, vit.max_job_s, vit.max_rss_mb) == (2, 24.0, 14.0, 500.0)
    assert table["stage"].iloc[0] == "vit/train"                     # longest first
    page = to_markdown(table, summarise(before)).splitlines()
    assert "| vit/train | 2 | 24 | 30 | 14 | 500 |" in page
    assert "| claims | 1 | 2 | new | 2 | 100 |" in page
    assert "| old/rule | 0 | | 7 | | |" in page                        # a stage that no longer runs
    assert page[-1] == "| **sum of job times** | 3 | 26 | 37 | | |"
    assert to_markdown(table).splitlines()[-1] == "| **sum of job times** | 3 | 26 | | |"


def test_the_times_page_reads_the_previous_page_it_wrote(tmp_path):
    """scripts/times_page.py on a run directory, then again with its own page as --previous."""
    import subprocess
    import sys

    from effbench.config import ROOT

    run = tmp_path / "run"
    bench(run / "benchmarks", "vit/train.dense.seed0.tsv", 30.0)
    bench(run / "benchmarks", "claims.tsv", 2.0)
    (run / "config.yaml").write_text("# What the default keeps of the paper scale:\n#   ViT  early-stopped\nscale: default\n")
    subprocess.run(["git", "init", "-q", str(run)], check=True)
    subprocess.run(["git", "-C", str(run), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q",
                    "--allow-empty", "-m", "run"], check=True)
    script = [sys.executable, str(ROOT / "scripts" / "times_page.py"), str(run)]
    first = subprocess.run([*script, "3000"], capture_output=True, text=True, check=True).stdout
    assert ("3000 s = 50.0 minutes wall** (within the default scale's 60-minute ceiling, which holds the floor; "
            "over its 45-minute goal)") in first
    assert "  ViT  early-stopped" in first            # what the scale trades for time, from its config
    (tmp_path / "before.md").write_text(first)
    bench(run / "benchmarks", "vit/train.dense.seed0.tsv", 20.0)
    second = subprocess.run([*script, "2400", "--previous", str(tmp_path / "before.md")], capture_output=True,
                            text=True, check=True).stdout
    assert "3000 s = 50.0 minutes, -10.0 minutes here. Job times add up to 22 s here against 32 s there (-31%)" in second
    assert "| vit/train | 1 | 20 | 30 | 20 | 100 |" in second

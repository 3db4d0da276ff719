"""`flask scheduler run` hands the scheduler the app itself (its jobs run in their own threads,
where Flask's current_app proxy is unbound)."""

from __future__ import annotations

from habits import scheduler


class StopsAtOnce:
    def start(self):
        raise KeyboardInterrupt


def test_scheduler_run_builds_the_scheduler_with_the_app_itself(app, monkeypatch):
    built_with = []
    monkeypatch.setattr(
        scheduler, "build_scheduler", lambda given, scheduler_class: built_with.append(given) or StopsAtOnce()
    )
    result = app.test_cli_runner().invoke(args=["scheduler", "run"])
    assert result.exit_code == 0, result.output
    assert len(built_with) == 1
    assert built_with[0] is app  # identity: a current_app proxy would compare equal, not be it
    assert "scheduler running" in result.output

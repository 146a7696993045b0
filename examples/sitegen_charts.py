"""Charts of your own on the site: point the config at this file,

    # sitegen.toml
    charts = "sitegen_charts.py"

and every function named ``run_*``, ``compare_*`` or ``dashboard_*`` returns an Altair chart drawn on
each run page, each precomputed comparison or the dashboards (see sitegen.site.usercharts).
"""
import altair as alt


def run_every_metric(points):
    """Each logged series of the run, one small chart per metric (points: run_id, run, metric, step, value)."""
    series = points.groupby("metric").filter(lambda g: len(g) > 1)
    return alt.Chart(series).mark_line().encode(
        x=alt.X("step:Q", title="step"), y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=False)),
    ).properties(width=220, height=120).facet(facet=alt.Facet("metric:N", title=None), columns=3).resolve_scale(y="independent")


def compare_last_values(points):
    """The last value of every metric, side by side for the compared runs."""
    last = points.sort_values("step").groupby(["run", "metric"], as_index=False).last()
    return alt.Chart(last).mark_bar().encode(
        x=alt.X("run:N", title=None), y=alt.Y("value:Q"), color="run:N",
        column=alt.Column("metric:N", title=None),
    ).properties(width=90, height=160).resolve_scale(y="independent")


def dashboard_accuracy_by_rate(runs):
    """Accuracy against the regularization rate of the iris demo (runs: one row a run)."""
    if not {"Accuracy", "Regularization Rate"} <= set(runs.columns):
        return alt.Chart(runs).mark_text().encode(text=alt.value("log Accuracy and Regularization Rate"))
    return alt.Chart(runs).mark_point(filled=True, size=70).encode(
        x=alt.X("Regularization Rate:Q", scale=alt.Scale(type="log")), y=alt.Y("Accuracy:Q", scale=alt.Scale(zero=False)),
        tooltip=["number:Q", "name:N", "Accuracy:Q", "Regularization Rate:Q"],
    ).properties(width=360, height=220)

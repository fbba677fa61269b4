package org.gpusched.cli;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.gpusched.sim.scenario.ScenarioResult;
import org.gpusched.sim.scenario.ScenarioResult.ClientResult;
import org.gpusched.sim.scenario.ScenarioResult.JobSpan;
import org.gpusched.sim.scenario.ScenarioResult.ProgressSample;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.StackedXYBarRenderer;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.DefaultTableXYDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Draws scenario results as PNG charts (headless). A run gives one figure with two panels that
 * share the time axis: the share of the GPU each client got in every 100 ms (stacked bars, so the
 * empty part on top is idle GPU), and each client's progress (percent of its planned cycles),
 * each client in the same colour in both panels.
 * A policy comparison gives one chart of every client's progress under each policy. Stateless.
 */
final class PlotWriter {

    private static final long BIN_NS = 100_000_000L;
    /** One colour per client, the same in both panels. */
    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
        new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
        new Color(0xbcbd22), new Color(0x17becf)};
    private static final int WIDTH = 1200;
    private static final int HEIGHT = 800;

    private PlotWriter() {
    }

    static void writeRun(ScenarioResult r, Path out) throws IOException {
        int rings = Math.max(1, r.schedulers().size());
        long end = Math.max(r.makespanUs() * 1000, BIN_NS);
        int bins = (int) ((end + BIN_NS - 1) / BIN_NS);
        DefaultTableXYDataset share = new DefaultTableXYDataset();
        for (ClientResult c : r.clients()) {
            double[] busy = new double[bins];
            for (JobSpan j : r.spans()) {
                if (!j.client().equals(c.name()) || j.hwStartNs() < 0 || j.hwEndNs() < 0) {
                    continue;
                }
                for (int k = (int) (j.hwStartNs() / BIN_NS); k < bins && k * BIN_NS < j.hwEndNs(); k++) {
                    long a = Math.max(j.hwStartNs(), k * BIN_NS);
                    long b = Math.min(j.hwEndNs(), (k + 1) * BIN_NS);
                    busy[k] += Math.max(0, b - a);
                }
            }
            XYSeries s = new XYSeries(c.name() + " (" + c.priority() + ")", false, false);
            for (int k = 0; k < bins; k++) {
                s.add(k * 100.0 + 50.0, 100.0 * busy[k] / (BIN_NS * (double) rings));
            }
            share.addSeries(s);
        }
        share.setIntervalWidth(100.0);
        NumberAxis shareAxis = new NumberAxis("GPU share per 100 ms (%)");
        shareAxis.setRange(0, 100);
        StackedXYBarRenderer bars = new StackedXYBarRenderer(0.02);
        bars.setBarPainter(new StandardXYBarPainter());
        bars.setShadowVisible(false);
        for (int i = 0; i < r.clients().size(); i++) {
            bars.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
        }
        XYPlot top = new XYPlot(share, null, shareAxis, bars);

        XYSeriesCollection progress = new XYSeriesCollection();
        for (ClientResult c : r.clients()) {
            XYSeries s = new XYSeries(c.name(), false, false);
            for (ProgressSample p : c.progress()) {
                s.add(p.tUs() / 1000.0, c.cyclesPlanned() == 0 ? 100.0 : 100.0 * p.cycles() / c.cyclesPlanned());
            }
            progress.addSeries(s);
        }
        NumberAxis progressAxis = new NumberAxis("cycles completed (% of planned)");
        progressAxis.setRange(0, 105);
        XYLineAndShapeRenderer lines = new XYLineAndShapeRenderer(true, false);
        for (int i = 0; i < r.clients().size(); i++) {
            lines.setSeriesStroke(i, new BasicStroke(2f));
            lines.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
            lines.setSeriesVisibleInLegend(i, false);
        }
        XYPlot bottom = new XYPlot(progress, null, progressAxis, lines);

        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(new NumberAxis("scenario time (ms)"));
        plot.add(top, 1);
        plot.add(bottom, 1);
        plot.setGap(12);
        JFreeChart chart = new JFreeChart(r.scenario() + ": policy " + r.policy() + ", " + r.mode() + " time",
                JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        ChartUtils.saveChartAsPNG(out.toFile(), chart, WIDTH, HEIGHT);
    }

    static void writeCompare(List<ScenarioResult> results, Path out) throws IOException {
        XYSeriesCollection progress = new XYSeriesCollection();
        XYLineAndShapeRenderer lines = new XYLineAndShapeRenderer(true, false);
        float[][] dashes = {null, {8f, 4f}, {2f, 3f}};
        int series = 0;
        for (int p = 0; p < results.size(); p++) {
            ScenarioResult r = results.get(p);
            for (ClientResult c : r.clients()) {
                XYSeries s = new XYSeries(c.name() + " (" + r.policy() + ")", false, false);
                for (ProgressSample sample : c.progress()) {
                    s.add(sample.tUs() / 1000.0, c.cyclesPlanned() == 0 ? 100.0 : 100.0 * sample.cycles() / c.cyclesPlanned());
                }
                progress.addSeries(s);
                float[] dash = dashes[p % dashes.length];
                lines.setSeriesPaint(series, PALETTE[r.clients().indexOf(c) % PALETTE.length]);
                lines.setSeriesStroke(series, dash == null ? new BasicStroke(2f)
                        : new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, dash, 0f));
                series++;
            }
        }
        NumberAxis y = new NumberAxis("cycles completed (% of planned)");
        y.setRange(0, 105);
        XYPlot plot = new XYPlot(progress, new NumberAxis("scenario time (ms)"), y, lines);
        String title = results.isEmpty() ? "comparison" : results.get(0).scenario() + ": progress under each policy"
                + " (solid " + results.get(0).policy()
                + (results.size() > 1 ? ", dashed " + results.get(1).policy() : "")
                + (results.size() > 2 ? ", dotted " + results.get(2).policy() : "") + ")";
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        ChartUtils.saveChartAsPNG(out.toFile(), chart, WIDTH, HEIGHT * 3 / 4);
    }
}

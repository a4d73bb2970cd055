import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';

/**
 * Draws a Vega-Lite chart as a PNG on the server: Vega-Lite compiles to Vega, Vega renders SVG without a browser or
 * canvas, and resvg (prebuilt, no compiler needed) rasterises it with the machine's fonts.
 */
export async function renderChartPng(spec: object, { scale = 2 }: { scale?: number } = {}): Promise<Buffer> {
  const compiled = vegaLite.compile(spec as vegaLite.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const image = new Resvg(svg, {
      fitTo: { mode: 'zoom', value: scale },
      background: 'white',
      font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    });
    return image.render().asPng();
  } finally {
    view.finalize();
  }
}

// Registers only the ECharts pieces the console draws, which keeps the chart chunk small.
import { use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import { AriaComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';

// Aria: charts that ask for it describe themselves (series names, values) in an aria-label for screen readers.
use([CanvasRenderer, BarChart, LineChart, PieChart, AriaComponent, GridComponent, LegendComponent, TooltipComponent]);

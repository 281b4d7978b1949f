/** File extension and dialog filter of each export format. */
import type { ExportFormat } from '../../core/host/contract';

export const EXPORT_FORMATS: {
  readonly [F in ExportFormat]: { readonly extension: string; readonly filterName: string };
} = {
  pytorch: { extension: '.py', filterName: 'PyTorch module' },
  png: { extension: '.png', filterName: 'PNG image' },
  svg: { extension: '.svg', filterName: 'SVG image' },
  csv: { extension: '.csv', filterName: 'CSV table' },
  markdown: { extension: '.md', filterName: 'Markdown table' },
  design: { extension: '.json', filterName: 'Inception Explorer design' },
  onnx: { extension: '.onnx', filterName: 'ONNX model' },
};

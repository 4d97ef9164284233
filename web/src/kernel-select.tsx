import type { KernelSummary } from './api';
import { kernelRef } from './api';

interface Props {
  id: string;
  label: string;
  kernels: KernelSummary[];
  value: string | undefined;
  onChange: (ref: string) => void;
}

/** A kernel picker: the value is `ARCH/VER`. */
export function KernelSelect({ id, label, kernels, value, onChange }: Props) {
  const known = value !== undefined && kernels.some((k) => kernelRef(k) === value);
  return (
    <span class="field">
      <label for={id}>{label}</label>
      <select
        id={id}
        value={value ?? ''}
        onChange={(e) => onChange((e.currentTarget as HTMLSelectElement).value)}
      >
        {!known && (
          <option value={value ?? ''}>{value ? `${value} (not in the hive)` : 'choose a kernel'}</option>
        )}
        {kernels.map((k) => (
          <option key={kernelRef(k)} value={kernelRef(k)}>
            {k.ver} · {k.arch} · {k.release}
          </option>
        ))}
      </select>
    </span>
  );
}

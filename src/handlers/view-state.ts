/** Reading a submitted modal's `state.values` by block and action id, without trusting its shape. */
type StateValue = {
  type?: string;
  value?: string | null;
  selected_option?: { value?: string; text?: { text?: string } } | null;
  selected_options?: Array<{ value?: string }> | null;
  selected_date?: string | null;
  selected_user?: string | null;
  selected_users?: string[] | null;
  selected_conversation?: string | null;
};
export type ViewStateValues = Record<string, Record<string, StateValue>>;

export function stateValues(view: unknown): ViewStateValues {
  const values = (view as { state?: { values?: unknown } } | undefined)?.state?.values;
  return values && typeof values === 'object' ? (values as ViewStateValues) : {};
}

/** Postgres text cannot hold a NUL character: one pasted into a form would fail the whole submission. */
const withoutNul = (text: string) => text.replaceAll('\0', '');

export const textOf = (values: ViewStateValues, block: string, action: string): string =>
  withoutNul(values[block]?.[action]?.value ?? '');

export const selectedOf = (values: ViewStateValues, block: string, action: string): string | undefined =>
  values[block]?.[action]?.selected_option?.value ?? undefined;

export const selectedLabelOf = (
  values: ViewStateValues,
  block: string,
  action: string,
): string | undefined => {
  const label = values[block]?.[action]?.selected_option?.text?.text;
  return label === undefined ? undefined : withoutNul(label);
};

export const checkedOf = (values: ViewStateValues, block: string, action: string): string[] =>
  (values[block]?.[action]?.selected_options ?? []).flatMap((option) => (option.value ? [option.value] : []));

export const dateOf = (values: ViewStateValues, block: string, action: string): string | undefined =>
  values[block]?.[action]?.selected_date ?? undefined;

export const userOf = (values: ViewStateValues, block: string, action: string): string | undefined =>
  values[block]?.[action]?.selected_user ?? undefined;

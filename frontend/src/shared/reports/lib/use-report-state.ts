// The report state of a page (range and filters), read from and written to the URL.
import { useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';
import { addFilter, readParams, removeFilter, writeParams, type Range, type ReportFilter } from './params';

export function useReportState() {
  const [params, setParams] = useSearchParams();
  const state = useMemo(() => readParams(params), [params]);
  return {
    ...state,
    setRange: (range: Range) => setParams(writeParams({ ...state, range }, params)),
    addFilter: (f: ReportFilter) => setParams(writeParams({ ...state, filters: addFilter(state.filters, f) }, params)),
    removeFilter: (f: ReportFilter) => setParams(writeParams({ ...state, filters: removeFilter(state.filters, f) }, params)),
  };
}

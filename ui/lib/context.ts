import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Api } from './api';
import type { Meta } from './types';

export interface AppState {
  readonly api: Api;
  /** `/api/meta`, once it has answered. */
  readonly meta: Meta | null;
}

export const AppContext = createContext<AppState | null>(null);

export function useApp(): AppState {
  const state = useContext(AppContext);
  if (!state) throw new Error('useApp outside AppContext');
  return state;
}

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './config/env';
import './shared/i18n';
import './styles.css';
import { App } from './app/App';

const root = document.getElementById('root');
if (!root) throw new Error('no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

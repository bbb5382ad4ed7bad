// Colour is a hint, never the only signal: every coloured word also carries a symbol or a label, so NO_COLOR and
// `--no-color` lose nothing but the colour.
import { createContext, useContext } from "react";
import type { Risk, RunStatus, StepStatus } from "../runs/types.js";
import type { Severity } from "../diagnosis/types.js";

export type Tone = "danger" | "warning" | "success" | "info" | "accent" | "muted";

const COLORS: Record<Tone, string> = {
  danger: "red",
  warning: "yellow",
  success: "green",
  info: "cyan",
  accent: "magenta",
  muted: "gray",
};

export interface Theme {
  color: boolean;
  /** The Ink colour for a tone, or undefined when colour is off. */
  tone(tone: Tone): string | undefined;
}

export function createTheme(color: boolean): Theme {
  return { color, tone: (tone) => (color ? COLORS[tone] : undefined) };
}

export const ThemeContext = createContext<Theme>(createTheme(false));

export function useTheme(): Theme {
  return useContext(ThemeContext);
}

export const SEVERITY_TONE: Record<Severity, Tone> = { critical: "danger", warning: "warning", info: "info" };

export const RISK_TONE: Record<Risk, Tone> = { none: "muted", low: "info", medium: "warning", high: "danger" };

export const STEP_MARK: Record<StepStatus, { mark: string; tone: Tone }> = {
  done: { mark: "✔", tone: "success" },
  current: { mark: "▶", tone: "accent" },
  pending: { mark: "○", tone: "muted" },
  skipped: { mark: "–", tone: "muted" },
  failed: { mark: "✖", tone: "danger" },
  rejected: { mark: "⊘", tone: "danger" },
};

export function statusTone(status: RunStatus): Tone {
  switch (status) {
    case "succeeded":
      return "success";
    case "awaiting-approval":
    case "awaiting-input":
    case "waiting":
    case "stopped":
      return "warning";
    case "running":
      return "info";
    default:
      return "danger";
  }
}

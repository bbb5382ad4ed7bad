// The contexts every screen reads: the session (engine, diagnosis, who is at the keyboard) and the shell's controls.
import { createContext, useContext, useEffect } from "react";
import type { GroupChoice, RegistryTarget, TuiSession } from "./types.js";

export const SessionContext = createContext<TuiSession | undefined>(undefined);

export function useSession(): TuiSession {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside the TUI shell");
  return session;
}

/** `home` with a target (or a group) opens its diagnosis (fresh) instead of the list. */
export type Screen =
  { name: "home"; target?: RegistryTarget; group?: GroupChoice } | { name: "run"; runId: string } | { name: "runs" };

export interface ShellControls {
  go(screen: Screen): void;
  /** Done with this screen: home when there is one, else leave. */
  back(): void;
  canGoHome: boolean;
  /** An overlay (help) covers the screen: its keys must wait. */
  paused: boolean;
  /** Leave the TUI; a run on screen stays resumable. */
  leave(): void;
  /** A text field has the keyboard: single-key shortcuts (q, ?, R) must not fire. */
  setTyping(typing: boolean): void;
}

export const ShellContext = createContext<ShellControls>({
  go: () => {},
  back: () => {},
  canGoHome: false,
  paused: false,
  leave: () => {},
  setTyping: () => {},
});

export function useShell(): ShellControls {
  return useContext(ShellContext);
}

/** Tells the shell while this component has a text field open. */
export function useTypingCapture(typing: boolean): void {
  const { setTyping } = useShell();
  useEffect(() => {
    setTyping(typing);
    return () => setTyping(false);
  }, [typing, setTyping]);
}

/**
 * What resuming a run from this terminal says about self-approval: the terminal's policy, for the person's own runs
 * only. Resuming someone else's run leaves their run's setting as it was (an approver picking a run up must not let
 * its requester approve their own change).
 */
export function resumeOptions(session: Pick<TuiSession, "requester" | "selfApprove">, requester: string) {
  return requester === session.requester ? { selfApprove: session.selfApprove } : {};
}

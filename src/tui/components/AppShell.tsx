// The frame around every screen: sandbox banner, help overlay, navigation and the keys that work everywhere. Without
// a subscription from the command line, it first lists subscriptions and connects to the one chosen.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Box, Text, useApp, useInput } from "ink";
import { usePending, type Pending } from "../hooks/use-pending.js";
import { useSubscriptionFlow, type SubscriptionFlowStart } from "../hooks/use-subscription-flow.js";
import type * as ScreenModule from "../screens/index.js";
import { SessionContext, ShellContext, type Screen, type ShellControls } from "../session.js";
import { ThemeContext, createTheme } from "../theme.js";
import type { RegistryTarget, TuiConnection, TuiExit, TuiSession } from "../types.js";
import { BusyLine } from "./BusyLine.js";
import { HeaderBar } from "./HeaderBar.js";
import { HelpOverlay } from "./HelpOverlay.js";
import { KeyHints } from "./KeyHints.js";
import { SandboxBanner } from "./SandboxBanner.js";

/** Home, the run screen and the runs list: loaded apart from the shell, so the first frame need not wait for them. */
export type Screens = typeof ScreenModule;

interface ShellProps {
  /** What the session holds besides the connection (whose `invocation`, when it has one, wins). */
  session: Omit<TuiSession, Exclude<keyof TuiConnection, "invocation"> | "chosenSubscription" | "chooseSubscription">;
  /** The screens; a promise while they load (alongside the connection). */
  screens: Screens | Promise<Screens>;
  initial: Screen;
  /** Registry from the command line: Home diagnoses it at once. */
  target?: RegistryTarget;
  /** False when the TUI was opened for one run (`acr-cmk run` on a TTY): leaving the run leaves the TUI. */
  canGoHome: boolean;
  color: boolean;
  onExit: (exit: TuiExit) => void;
}

/**
 * Either the connection (Azure and the run store; a promise while they load, so the first frame need not wait), or,
 * when no subscription was given, the subscriptions to choose from and how to connect to the one chosen.
 */
export type ShellLink =
  | { connection: TuiConnection | Promise<TuiConnection>; subscriptions?: undefined }
  | { subscriptions: SubscriptionFlowStart; connection?: undefined };

export type AppShellProps = ShellProps & ShellLink;

/** Connected only once the screens are loaded too: until then the shell keeps showing "connecting". */
function connectedWith(connected: Pending<TuiConnection>, loaded: Pending<Screens>): Pending<TuiConnection> {
  if (connected.state !== "ready") return connected;
  if (loaded.state === "failed") {
    return { state: "failed", message: `the terminal UI's screens did not load: ${loaded.message}` };
  }
  return loaded.state === "ready" ? connected : { state: "loading" };
}

export function AppShell({
  session: base,
  connection,
  subscriptions,
  screens: pendingScreens,
  initial,
  target,
  canGoHome,
  color,
  onExit,
}: AppShellProps) {
  const app = useApp();
  const flow = useSubscriptionFlow(subscriptions);
  const chosen = flow?.chosen;
  const source = connection ?? chosen?.connection;
  const loaded = usePending(pendingScreens);
  const connectedOrNot = usePending(source);
  const connected = useMemo(() => connectedWith(connectedOrNot, loaded), [connectedOrNot, loaded]);
  const screens = loaded.state === "ready" ? loaded.value : undefined;
  // The wait on screen counts from when the shell appeared, or from when the person chose a subscription.
  const [loadingSince, setLoadingSince] = useState(() => Date.now());
  useEffect(() => {
    if (chosen) setLoadingSince(Date.now());
  }, [chosen]);
  const [screen, setScreen] = useState<Screen>(initial);
  const [help, setHelp] = useState(false);
  const [typing, setTyping] = useState(false);
  const screenRef = useRef(screen);
  screenRef.current = screen;
  const left = useRef(false);

  const leaveWith = useCallback(
    (reason: TuiExit["reason"]) => {
      if (left.current) return;
      left.current = true;
      const current = screenRef.current;
      onExit({ reason, ...(current.name === "run" ? { runId: current.runId } : {}) });
      app.exit();
    },
    [app, onExit],
  );

  const controls = useMemo<ShellControls>(
    () => ({
      go: (next) => {
        setHelp(false);
        setScreen(next);
      },
      back: () => (canGoHome ? setScreen({ name: "home" }) : leaveWith("quit")),
      canGoHome,
      paused: help,
      leave: () => leaveWith("quit"),
      setTyping,
    }),
    [canGoHome, leaveWith, help],
  );

  const reopen = flow?.reopen;
  const chooseSubscription = useMemo(
    () =>
      reopen
        ? () => {
            setHelp(false);
            setScreen({ name: "home" });
            reopen();
          }
        : undefined,
    [reopen],
  );

  // Ctrl-C works even while typing: it is the way out a person reaches for first.
  useInput((input, key) => {
    if (key.ctrl && input === "c") leaveWith("interrupt");
  });
  useInput(
    (input, key) => {
      if (help) {
        if (input === "?" || key.escape || input === "q") setHelp(false);
        return;
      }
      if (input === "?") setHelp(true);
      else if (input === "q") leaveWith("quit");
      else if (input === "R" && screen.name !== "runs" && connected.state === "ready") setScreen({ name: "runs" });
      else if (input === "s" && chosen && connected.state === "failed") chooseSubscription?.();
    },
    { isActive: !typing },
  );

  const theme = useMemo(() => createTheme(color), [color]);
  const reserveRows = base.sandbox ? 1 : 0;
  const session = useMemo<TuiSession | undefined>(
    () =>
      connected.state === "ready"
        ? {
            ...base,
            ...connected.value,
            invocation: connected.value.invocation ?? base.invocation,
            ...(chosen ? { chosenSubscription: chosen.subscription } : {}),
            ...(chooseSubscription ? { chooseSubscription } : {}),
          }
        : undefined,
    [base, connected, chosen, chooseSubscription],
  );

  let body;
  if (flow && !chosen && !flow.deciding) {
    body = screens ? (
      <screens.SubscriptionScreen
        listing={flow.listing}
        sandbox={base.sandbox}
        onChoose={flow.choose}
        onRetry={flow.relist}
        {...(flow.previous ? { current: flow.previous.subscription.choice.subscriptionId, onBack: flow.back } : {})}
        reserveRows={reserveRows}
      />
    ) : (
      <Box flexDirection="column">
        <HeaderBar title="home" detail="choose a subscription" />
        <BusyLine
          label={base.sandbox ? "Listing the sandbox's subscriptions" : "Listing your Azure subscriptions"}
          since={loadingSince}
        />
      </Box>
    );
  } else if (!session || !screens) {
    const name = (chosen?.subscription ?? flow?.deciding)?.choice.displayName;
    body = (
      <Box flexDirection="column">
        <HeaderBar title="home" detail={name ?? (base.sandbox ? "sandbox" : "Azure")} />
        {connected.state === "failed" ? (
          <>
            <Text wrap="wrap" color={theme.tone("danger")}>
              ✖ Could not connect: {connected.message}
            </Text>
            <KeyHints
              hints={[...(chosen ? [{ key: "s", label: "subscriptions" }] : []), { key: "q", label: "quit" }]}
            />
          </>
        ) : (
          <BusyLine
            label={
              name
                ? `Connecting to ${name} and opening the run store`
                : base.sandbox
                  ? "Opening the sandbox and the run store"
                  : "Connecting to Azure"
            }
            since={loadingSince}
          />
        )}
      </Box>
    );
  } else if (screen.name === "run") {
    body = <screens.RunScreen key={screen.runId} runId={screen.runId} reserveRows={reserveRows} />;
  } else if (screen.name === "runs") {
    body = <screens.RunsScreen reserveRows={reserveRows} />;
  } else {
    // A new subscription is a new home: its own registry list, nothing carried over from the last one.
    const homeTarget = screen.group ? undefined : (screen.target ?? target);
    const opened = screen.group?.id ?? (homeTarget ? `${homeTarget.resourceGroup}/${homeTarget.registry}` : "");
    body = (
      <screens.Home
        key={`${session.subscriptionId}/${opened}`}
        {...(homeTarget ? { target: homeTarget } : {})}
        {...(screen.group ? { group: screen.group } : {})}
        reserveRows={reserveRows}
      />
    );
  }

  const bannerSubscription =
    session?.subscriptionId ??
    (chosen ?? flow?.previous)?.subscription.choice.subscriptionId ??
    (flow?.listing.state === "ready" ? flow.listing.value[0]?.subscriptionId : undefined) ??
    "…";
  return (
    <ThemeContext.Provider value={theme}>
      <SessionContext.Provider value={session}>
        <ShellContext.Provider value={controls}>
          <Box flexDirection="column">
            {base.sandbox ? <SandboxBanner subscriptionId={bannerSubscription} /> : null}
            {help ? <HelpOverlay /> : null}
            {/* The screen stays mounted under the help, so closing it loses nothing (no second diagnosis). */}
            <Box display={help ? "none" : "flex"} flexDirection="column">
              {body}
            </Box>
          </Box>
        </ShellContext.Provider>
      </SessionContext.Provider>
    </ThemeContext.Provider>
  );
}

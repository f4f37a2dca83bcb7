/**
 * Fail fast over processes that come and go during a run (a worker killed and started again, a server
 * restarted on its data): one AbortSignal that aborts, with the process's own error (its name and last
 * lines, ManagedProcess.unexpectedExit), as soon as any process watched exits without being asked to.
 * `AbortSignal.any` fixes its sources up front; this takes each new process as it starts. Pass `signal`
 * to waits (WaitOptions.signal) and `guard` a whole phase, so it fails then, naming the process, instead
 * of at a deadline or in a check that only sees the consequences.
 */
import type { ManagedProcess } from './processes';
import { abortable } from './wait';

export class ProcessWatch {
  private readonly controller = new AbortController();
  /** Aborted, with the first unexpected exit's error, once any process watched dies unasked. */
  readonly signal: AbortSignal = this.controller.signal;

  /** Watches `proc` from now on (an exit already unexpected counts at once); returns it. */
  watch<P extends ManagedProcess>(proc: P): P {
    const exit = proc.unexpectedExit;
    const fire = () => this.controller.abort(exit.reason);
    if (exit.aborted) fire();
    else exit.addEventListener('abort', fire, { once: true });
    return proc;
  }

  /** Rejects as soon as a watched process exits unexpectedly; otherwise settles as `work` does. */
  guard<T>(work: Promise<T>): Promise<T> {
    return abortable(work, this.signal);
  }
}

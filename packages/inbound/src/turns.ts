/**
 * Frames one connection may start in one turn of the event loop; the rest wait for the next turn (setImmediate), so a
 * client whose reads hold thousands of frames (a flood, valid or not) cannot hold the loop from every other client.
 */
export const FRAMES_PER_TURN = 32;

/** The frames a connection started in this turn of the event loop, and the call that begins its next turn. */
export class Turns {
  /** Frames started in this turn. */
  private started = 0;
  /** A setImmediate is armed to begin the next turn. */
  private armed = false;

  /** `next`: called at the next turn after a frame was started (it starts the frames left waiting). */
  constructor(private readonly next: () => void) {}

  /** The frames that may still start in this turn. */
  get left(): number {
    return FRAMES_PER_TURN - this.started;
  }

  /** Counts a frame started in this turn; the first arms the next turn. */
  counted(): void {
    if (this.started++ === 0 && !this.armed) {
      this.armed = true;
      setImmediate(this.begin);
    }
  }

  private readonly begin = (): void => {
    this.armed = false;
    this.started = 0;
    this.next();
  };
}

// An async iterator over another one's steps, each seen on the way (or its failure mapped):
// what an async generator around a for-await does, with one promise per step instead of a
// generator's resume, await and yield. Like such a generator it starts the source on the
// first read, passes an early return on to it, and once returned stays done.
export interface StepHooks<T> {
  /** Sees each item on its way to the reader. */
  readonly item?: (item: T) => void;
  /** Turns the source's failure into the one the reader gets (throws it). */
  readonly failure?: (error: unknown) => never;
}

export class RelayedIterator<T> implements AsyncIterableIterator<T> {
  private readonly source: AsyncIterable<T>;
  private readonly hooks: StepHooks<T>;
  private iterator: AsyncIterator<T> | undefined;
  private returned = false;

  constructor(source: AsyncIterable<T>, hooks: StepHooks<T>) {
    this.source = source;
    this.hooks = hooks;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.returned) return Promise.resolve({ done: true, value: undefined });
    this.iterator ??= this.source[Symbol.asyncIterator]();
    return this.iterator.next().then(this.hooks.item === undefined ? undefined : this.seen, this.hooks.failure);
  }

  async return(): Promise<IteratorResult<T>> {
    this.returned = true;
    await this.iterator?.return?.();
    return { done: true, value: undefined };
  }

  private readonly seen = (step: IteratorResult<T>): IteratorResult<T> => {
    if (step.done !== true) this.hooks.item?.(step.value);
    return step;
  };
}

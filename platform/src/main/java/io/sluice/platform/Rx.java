package io.sluice.platform;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * Bridges the MongoDB reactive-streams driver to Vert.x futures. Results are delivered on the
 * Vert.x context that made the call (the driver completes on its own threads), so callers keep
 * their single-threaded view of their state.
 */
public final class Rx {
  private Rx() {}

  /** The first (or only) element, or null when the publisher completes empty. */
  public static <T> Future<T> first(Publisher<T> publisher) {
    Context context = Vertx.currentContext();
    Promise<T> promise = Promise.promise();
    publisher.subscribe(
        new Subscriber<T>() {
          private T value;
          private Subscription subscription;

          @Override
          public void onSubscribe(Subscription s) {
            subscription = s;
            s.request(1);
          }

          @Override
          public void onNext(T t) {
            if (value == null) {
              value = t;
              subscription.cancel();
              deliver(context, promise, t, null);
            }
          }

          @Override
          public void onError(Throwable t) {
            deliver(context, promise, null, t);
          }

          @Override
          public void onComplete() {
            if (value == null) {
              deliver(context, promise, null, null);
            }
          }
        });
    return promise.future();
  }

  /** Every element, in order. */
  public static <T> Future<List<T>> all(Publisher<T> publisher) {
    Context context = Vertx.currentContext();
    Promise<List<T>> promise = Promise.promise();
    publisher.subscribe(
        new Subscriber<T>() {
          private final List<T> values = new ArrayList<>();

          @Override
          public void onSubscribe(Subscription s) {
            s.request(Long.MAX_VALUE);
          }

          @Override
          public void onNext(T t) {
            values.add(t);
          }

          @Override
          public void onError(Throwable t) {
            deliver(context, promise, null, t);
          }

          @Override
          public void onComplete() {
            deliver(context, promise, values, null);
          }
        });
    return promise.future();
  }

  private static <T> void deliver(Context context, Promise<T> promise, T value, Throwable error) {
    Runnable complete =
        () -> {
          if (error != null) {
            promise.tryFail(error);
          } else {
            promise.tryComplete(value);
          }
        };
    if (context == null) {
      complete.run();
    } else {
      context.runOnContext(v -> complete.run());
    }
  }
}

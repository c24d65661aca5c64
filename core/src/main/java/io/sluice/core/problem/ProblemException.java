package io.sluice.core.problem;

import java.util.List;

/**
 * An expected refusal of user input, carrying every problem found and the kind of refusal. The HTTP
 * edge maps the kind to a status; the domain never needs to know about HTTP.
 */
public final class ProblemException extends RuntimeException {
  /** Why the input was refused. */
  public enum Kind {
    MALFORMED(400, "Malformed request"),
    UNPROCESSABLE(422, "Unprocessable content"),
    NOT_FOUND(404, "Not found"),
    CONFLICT(409, "Conflict"),
    TOO_LARGE(413, "Payload too large"),
    UNSUPPORTED_MEDIA_TYPE(415, "Unsupported media type"),
    UNAUTHORIZED(401, "Unauthorized"),
    UNAVAILABLE(503, "Service unavailable");

    private final int status;
    private final String title;

    Kind(int status, String title) {
      this.status = status;
      this.title = title;
    }

    public int status() {
      return status;
    }

    public String title() {
      return title;
    }
  }

  private final Kind kind;
  private final transient List<Problem> problems;

  public ProblemException(Kind kind, String detail, List<Problem> problems) {
    super(detail, null, false, false);
    this.kind = kind;
    this.problems = List.copyOf(problems);
  }

  public static ProblemException of(Kind kind, String detail) {
    return new ProblemException(kind, detail, List.of());
  }

  public static ProblemException of(Kind kind, String detail, Problem problem) {
    return new ProblemException(kind, detail, List.of(problem));
  }

  public Kind kind() {
    return kind;
  }

  public List<Problem> problems() {
    return problems;
  }
}

package de.bwaldvogel.mongo.backend.h2;

import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.type.ObjectDataType;

/**
 * mongo-java-server's H2 database, with unique-index keys compared without serializing them at
 * every step of a B-tree search.
 *
 * <p>The stock index map keys {@link KeyValue}s with H2's {@link ObjectDataType}, which orders a
 * non-{@code Comparable} object by its Java-serialized bytes, serializing both sides of every
 * comparison: about half the embedded store's CPU under load (docs/benchmarks.md). {@link
 * CachedKeyType} keeps exactly that order and that on-disk format (reading and writing are
 * inherited; existing data files open unchanged) and only caches each key's serialized bytes, so a
 * look-up serializes its search key once instead of twice per visited key.
 *
 * <p>Lives in mongo-java-server's package because {@link H2UniqueIndex}'s constructor is
 * package-private. Map names are the stock ones ({@code <db>.<collection>._index_<name>}).
 */
public final class CachedKeyH2Database extends H2Database {
  /** The store, for the indexes the super constructor opens before {@link #store} is set. */
  private static final ThreadLocal<MVStore> OPENING = new ThreadLocal<>();

  private final MVStore store;

  public CachedKeyH2Database(String name, MVStore store, CursorRegistry cursors) {
    super(name, opening(store), cursors);
    OPENING.remove();
    this.store = store;
  }

  private static MVStore opening(MVStore store) {
    OPENING.set(store);
    return store;
  }

  @Override
  protected Index<Object> openOrCreateUniqueIndex(
      String collectionName, String indexName, List<IndexKey> keys, boolean sparse) {
    MVStore mvStore = store != null ? store : OPENING.get();
    MVMap<KeyValue, Object> map =
        mvStore.openMap(
            getFullCollectionNamespace(collectionName) + "._index_" + indexName,
            new MVMap.Builder<KeyValue, Object>().keyType(new CachedKeyType()));
    return new H2UniqueIndex(map, indexName, keys, sparse);
  }

  /** {@link ObjectDataType} whose comparison of two keys reuses their serialized bytes. */
  static final class CachedKeyType extends ObjectDataType {
    private static final int CACHED = 16_384;

    /** Serialized bytes of recently compared keys (equal keys serialize equally). */
    private final Map<KeyValue, byte[]> bytes =
        new LinkedHashMap<>(CACHED * 2, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<KeyValue, byte[]> eldest) {
            return size() > CACHED;
          }
        };

    @Override
    public int compare(Object a, Object b) {
      if (a instanceof KeyValue ka && b instanceof KeyValue kb) {
        // what ObjectDataType does for two serializable objects that are not Comparable
        return a == b ? 0 : compareNotNull(serialized(ka), serialized(kb));
      }
      return super.compare(a, b);
    }

    private byte[] serialized(KeyValue key) {
      synchronized (bytes) {
        byte[] known = bytes.get(key);
        if (known != null) {
          return known;
        }
      }
      byte[] computed = serialize(key);
      synchronized (bytes) {
        bytes.put(key, computed);
      }
      return computed;
    }
  }
}

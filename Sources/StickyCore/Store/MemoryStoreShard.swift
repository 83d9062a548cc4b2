/// One shard of a ``MemoryStore``: a bounded LRU map with an expiry per entry, every operation O(1).
///
/// Entries live in one array of slots. The LRU order is a doubly-linked list threaded through the slots
/// by index (`prev` towards the most recently used end, `next` towards the least), so linking and unlinking
/// allocate nothing; a slot freed by a delete, an expiry or an eviction goes on a free list, also threaded
/// through `next`, and is reused by the next insert. The dictionary maps a key to its slot.
///
/// It is a plain value with no locking and no clock: the caller holds the shard's lock and passes `now`.
/// Times are nanoseconds since an origin the caller picks (``MemoryStore`` uses the instant it was created), so
/// the shard is not generic over the clock and its hot paths are concrete code even when not specialized.
struct MemoryStoreShard {
    struct Node {
        var key: StoreKey
        var mapping: StoredMapping
        /// The entry is live while `now < expiry`, in nanoseconds since the origin.
        var expiry: Int64
        /// The slot used just before this one (towards the head), ``none``, or ``free``.
        var prev: Int
        /// The slot used just after this one (towards the tail); in a free slot, the next free slot.
        var next: Int
    }

    /// "No slot": the end of a list.
    static let none = -1
    /// The `prev` of a slot on the free list.
    static let free = -2
    /// Slots inspected by the incremental expiry sweep on each insert of a new key.
    static let sweepBudget = 2

    /// The most entries this shard holds.
    let capacity: Int
    private var index: [StoreKey: Int] = [:]
    private var nodes: [Node] = []
    /// Most recently used.
    private var head = Self.none
    /// Least recently used: the next to be evicted.
    private var tail = Self.none
    private var freeList = Self.none
    /// Where the incremental expiry sweep looks next.
    private var sweepCursor = 0

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// Entries held, expired ones not yet reclaimed included.
    var count: Int { self.index.count }

    /// The live mapping under `key`, which becomes the most recently used; an expired one is dropped.
    mutating func get(_ key: StoreKey, now: Int64) -> StoredMapping? {
        guard let slot = self.liveSlot(for: key, now: now) else { return nil }
        self.moveToFront(slot)
        return self.nodes[slot].mapping
    }

    /// Stores `mapping` until `expiry`, replacing what was there; a `nil` expiry removes the key.
    mutating func set(_ key: StoreKey, to mapping: StoredMapping, expiry: Int64?, now: Int64) {
        guard let expiry else {
            self.remove(key)
            return
        }
        if let slot = self.index[key] {
            self.nodes[slot].mapping = mapping
            self.nodes[slot].expiry = expiry
            self.moveToFront(slot)
        } else {
            self.insert(key, mapping: mapping, expiry: expiry, now: now)
        }
    }

    /// Removes `key` if it is there.
    mutating func remove(_ key: StoreKey) {
        if let slot = self.index[key] {
            self.release(slot)
        }
    }

    /// Moves the expiry of a live entry to `expiry` (a `nil` expiry removes it); an absent key stays absent.
    mutating func refresh(_ key: StoreKey, expiry: Int64?, now: Int64) {
        guard let slot = self.liveSlot(for: key, now: now) else { return }
        guard let expiry else {
            self.release(slot)
            return
        }
        self.nodes[slot].expiry = expiry
        self.moveToFront(slot)
    }

    /// Stores `replacement` until `expiry` if the key is absent, expired or still maps to `stale`, and
    /// returns it; otherwise leaves the current mapping as it is and returns that. With a `nil` expiry the
    /// winning write is a delete, and `replacement` is still returned.
    mutating func reassign(
        _ key: StoreKey,
        from stale: StoredMapping?,
        to replacement: StoredMapping,
        expiry: Int64?,
        now: Int64
    ) -> StoredMapping {
        if let slot = self.liveSlot(for: key, now: now) {
            let current = self.nodes[slot].mapping
            guard current == stale else {
                self.moveToFront(slot)
                return current
            }
            if let expiry {
                self.nodes[slot].mapping = replacement
                self.nodes[slot].expiry = expiry
                self.moveToFront(slot)
            } else {
                self.release(slot)
            }
        } else if let expiry {
            self.insert(key, mapping: replacement, expiry: expiry, now: now)
        }
        return replacement
    }

    // MARK: Slots and the LRU list

    /// The slot of `key` if it holds a live entry. An expired entry found on the way is released.
    private mutating func liveSlot(for key: StoreKey, now: Int64) -> Int? {
        guard let slot = self.index[key] else { return nil }
        guard now < self.nodes[slot].expiry else {
            self.release(slot)
            return nil
        }
        return slot
    }

    /// Adds a key that is not in the shard, making room first: expired entries the sweep finds go first,
    /// then the least recently used entry.
    private mutating func insert(_ key: StoreKey, mapping: StoredMapping, expiry: Int64, now: Int64) {
        self.sweep(now: now, budget: Self.sweepBudget)
        if self.index.count >= self.capacity {
            self.release(self.tail)
        }
        let node = Node(key: key, mapping: mapping, expiry: expiry, prev: Self.none, next: Self.none)
        let slot: Int
        if self.freeList != Self.none {
            slot = self.freeList
            self.freeList = self.nodes[slot].next
            self.nodes[slot] = node
        } else {
            slot = self.nodes.count
            self.nodes.append(node)
        }
        self.index[key] = slot
        self.pushFront(slot)
    }

    /// Unlinks `slot`, forgets its key and puts it on the free list, dropping its strings.
    private mutating func release(_ slot: Int) {
        self.unlink(slot)
        self.index.removeValue(forKey: self.nodes[slot].key)
        self.nodes[slot].key = StoreKey(rawValue: "")
        self.nodes[slot].mapping = StoredMapping(backend: "", slides: false)
        self.nodes[slot].prev = Self.free
        self.nodes[slot].next = self.freeList
        self.freeList = slot
    }

    /// Inspects up to `budget` slots from the sweep cursor and releases the expired entries among them.
    private mutating func sweep(now: Int64, budget: Int) {
        guard !self.nodes.isEmpty else { return }
        for _ in 0..<min(budget, self.nodes.count) {
            if self.sweepCursor >= self.nodes.count {
                self.sweepCursor = 0
            }
            let slot = self.sweepCursor
            self.sweepCursor += 1
            if self.nodes[slot].prev != Self.free && self.nodes[slot].expiry <= now {
                self.release(slot)
            }
        }
    }

    private mutating func unlink(_ slot: Int) {
        let prev = self.nodes[slot].prev
        let next = self.nodes[slot].next
        if prev == Self.none { self.head = next } else { self.nodes[prev].next = next }
        if next == Self.none { self.tail = prev } else { self.nodes[next].prev = prev }
    }

    private mutating func pushFront(_ slot: Int) {
        self.nodes[slot].prev = Self.none
        self.nodes[slot].next = self.head
        if self.head == Self.none { self.tail = slot } else { self.nodes[self.head].prev = slot }
        self.head = slot
    }

    private mutating func moveToFront(_ slot: Int) {
        guard slot != self.head else { return }
        self.unlink(slot)
        self.pushFront(slot)
    }
}

extension MemoryStoreShard {
    /// The keys from most to least recently used, and a check that the list, the index and the free list
    /// agree. For tests: O(n).
    func checkedKeysByRecency() -> [StoreKey] {
        var keys: [StoreKey] = []
        var slot = self.head
        var prev = Self.none
        while slot != Self.none {
            precondition(self.nodes[slot].prev == prev, "broken back link")
            precondition(self.index[self.nodes[slot].key] == slot, "index disagrees with list")
            keys.append(self.nodes[slot].key)
            prev = slot
            slot = self.nodes[slot].next
            precondition(keys.count <= self.capacity, "list longer than capacity (cycle?)")
        }
        precondition(prev == self.tail, "tail is not the last node")
        precondition(keys.count == self.index.count, "index holds keys that are not in the list")
        var free = 0
        slot = self.freeList
        while slot != Self.none {
            precondition(self.nodes[slot].prev == Self.free, "free list holds a used slot")
            free += 1
            slot = self.nodes[slot].next
            precondition(free <= self.nodes.count, "free list cycle")
        }
        precondition(free + keys.count == self.nodes.count, "slots leaked")
        return keys
    }
}

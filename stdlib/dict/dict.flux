// Package dict builds and queries dictionaries of key-value pairs.
package dict

// fromList builds a dictionary from an array of records with `key` and `value` fields.
builtin fromList : (pairs: [{key: K, value: V}]) => [K:V] where K: Comparable

// get looks up `key` in `dict`, returning `default` when the key is absent.
builtin get : (dict: [K:V], key: K, default: V) => V where K: Comparable

// insert returns a copy of `dict` with `key` bound to `value`, replacing any earlier binding.
builtin insert : (dict: [K:V], key: K, value: V) => [K:V] where K: Comparable

// remove returns a copy of `dict` without `key`.
builtin remove : (dict: [K:V], key: K) => [K:V] where K: Comparable

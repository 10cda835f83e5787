// Package naiveBayesClassifier is a naive Bayes classifier for one field with binary
// values, written as a demonstration (a contributed package).
package naiveBayesClassifier

// naiveBayes classifies the rows of field `myField` in measurement `myMeasurement` by the
// class column `myClass`. It is a demonstration with fixed choices, kept as published:
// the training rows are those from 2020-01-02T00:00:00Z to 2020-01-06T23:00:00Z, the rows
// to classify those from 2020-01-01T00:00:00Z to 2020-01-01T23:00:00Z; the prior of each
// value is read from a column named `airborne`, and the rows to classify keep only
// `_value`, `Animal_name` and `_field`. From the training rows it computes, per class k and
// value x, `p_k` (the class's share of rows), `p_x` (the value's share), `P_x_k` (the
// share of class k's rows with value x) and `Probability` = P_x_k · p_k / p_x, and joins
// them on `_value` with every row to classify. Columns both sides of a join hold are
// suffixed with the names of the joined streams (`P_k_x_class`, `P_value_x`,
// `Probability_table`, `r`).
naiveBayes = (tables=<-, myClass, myField, myMeasurement) => {
    rowsBetween = (start, stop) =>
        tables
            |> range(start: start, stop: stop)
            |> filter(fn: (r) => r._measurement == myMeasurement and r._field == myField)
            |> group()
    training = rowsBetween(start: 2020-01-02T00:00:00Z, stop: 2020-01-06T23:00:00Z)
    toClassify = rowsBetween(start: 2020-01-01T00:00:00Z, stop: 2020-01-01T23:00:00Z)
    total = (training
        |> group(columns: ["_field"])
        |> count()
        |> tableFind(fn: (key) => key._field == myField)
        |> getRecord(idx: 0))._value
    share = (n) => float(v: n) / float(v: total)

    // One row per class: its count and share of the training rows.
    perClass =
        training
            |> group(columns: [myClass, "_field"])
            |> count()
            |> map(fn: (r) => ({r with p_k: share(n: r._value), tc: total}))
            |> group()

    // One table per value: its count and share of the training rows.
    P_value_x =
        training
            |> group(columns: ["_value", "_field"])
            |> count(column: myClass)
            |> map(fn: (r) => ({r with p_x: share(n: r.airborne), tc: total}))

    // One row per value and class: how many training rows have both.
    perValueAndClass =
        training
            |> group(columns: ["_field", "_value", myClass])
            |> reduce(identity: {sum: 0.0}, fn: (r, accumulator) => ({sum: accumulator.sum + 1.0}))
            |> group()

    // P(value | class) for each value and class.
    P_k_x_class =
        join(tables: {P_k_x: perValueAndClass, P_Class_k: perClass}, on: [myClass], method: "inner")
            |> group(columns: [myClass, "_value_P_k_x"])
            |> limit(n: 1)
            |> map(fn: (r) => ({r with P_x_k: r.sum / float(v: r._value_P_Class_k)}))
            |> drop(columns: ["_field_P_Class_k", "_value_P_Class_k"])
            |> rename(columns: {_field_P_k_x: "_field", _value_P_k_x: "_value"})
    Probability_table = join(
        tables: {P_k_x_class: P_k_x_class, P_value_x: P_value_x},
        on: ["_value", "_field"],
        method: "inner",
    ) |> map(fn: (r) => ({r with Probability: r.P_x_k * r.p_k / r.p_x}))
    r = toClassify |> keep(columns: ["_value", "Animal_name", "_field"])

    return join(
        tables: {Probability_table: Probability_table, r: r},
        on: ["_value"],
        method: "inner",
    )
}

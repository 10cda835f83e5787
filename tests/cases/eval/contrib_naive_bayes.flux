// contrib/RohanSreerama5/naiveBayesClassifier.naiveBayes, worked by hand. Training rows
// (2020-01-02 on): aquatic 1/airborne 0 twice, 0/1 once, 0/0 once; so p_k is 0.75 for
// class "0" and 0.25 for "1", p_x 0.5 for both values, and P_x_k is 2/3 for (1, "0"), 1
// for (0, "1"), 1/3 for (0, "0"); Probability = P_x_k·p_k/p_x is 1, 0.5 and 0.5. The rows
// to classify (2020-01-01) are bee (aquatic 1: one match) and eel (0: two matches).
import "array"
import "contrib/RohanSreerama5/naiveBayesClassifier"

row = (t, name, aquatic, airborne) => ({
    _time: t,
    _measurement: "zoo",
    _field: "aquatic",
    _value: aquatic,
    Animal_name: name,
    airborne: airborne,
})

array.from(
    rows: [
        row(t: 2020-01-02T01:00:00Z, name: "carp", aquatic: 1, airborne: "0"),
        row(t: 2020-01-02T02:00:00Z, name: "crab", aquatic: 1, airborne: "0"),
        row(t: 2020-01-03T01:00:00Z, name: "crow", aquatic: 0, airborne: "1"),
        row(t: 2020-01-04T01:00:00Z, name: "cat", aquatic: 0, airborne: "0"),
        row(t: 2020-01-01T01:00:00Z, name: "bee", aquatic: 1, airborne: "1"),
        row(t: 2020-01-01T02:00:00Z, name: "eel", aquatic: 0, airborne: "0"),
    ],
) |> naiveBayesClassifier.naiveBayes(myClass: "airborne", myField: "aquatic", myMeasurement: "zoo")

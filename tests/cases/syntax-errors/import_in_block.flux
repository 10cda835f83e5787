f = () => {
    import "csv"
    return 1
}

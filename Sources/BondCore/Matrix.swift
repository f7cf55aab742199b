// Small fixed-size square matrices for the observer and the model: value types over InlineArray,
// so they live on the stack, never allocate and compile in Embedded Swift. The dimension is a
// generic value parameter; every loop is bounded by it.

public struct Matrix<let N: Int>: Equatable, Sendable {
    public var rows: InlineArray<N, InlineArray<N, Double>>

    /// The zero matrix.
    @inlinable
    public init() {
        rows = InlineArray(repeating: InlineArray(repeating: 0))
    }

    @inlinable
    public static var identity: Matrix<N> {
        var m = Matrix<N>()
        for i in 0..<N { m[i, i] = 1 }
        return m
    }

    @inlinable @inline(__always)
    public subscript(_ row: Int, _ column: Int) -> Double {
        get { rows[row][column] }
        set { rows[row][column] = newValue }
    }

    @inlinable
    public static func == (a: Matrix<N>, b: Matrix<N>) -> Bool {
        for i in 0..<N { for j in 0..<N where a[i, j] != b[i, j] { return false } }
        return true
    }

    @inlinable
    public static func * (a: Matrix<N>, b: Matrix<N>) -> Matrix<N> {
        var c = Matrix<N>()
        for i in 0..<N {
            for k in 0..<N {
                let aik = a[i, k]
                if aik == 0 { continue }
                for j in 0..<N { c[i, j] += aik * b[k, j] }
            }
        }
        return c
    }

    @inlinable
    public static func + (a: Matrix<N>, b: Matrix<N>) -> Matrix<N> {
        var c = a
        for i in 0..<N { for j in 0..<N { c[i, j] += b[i, j] } }
        return c
    }

    @inlinable
    public func scaled(by factor: Double) -> Matrix<N> {
        var c = self
        for i in 0..<N { for j in 0..<N { c[i, j] *= factor } }
        return c
    }

    @inlinable
    public var transposed: Matrix<N> {
        var t = Matrix<N>()
        for i in 0..<N { for j in 0..<N { t[j, i] = self[i, j] } }
        return t
    }

    /// The largest absolute row sum (the infinity norm).
    @inlinable
    public var rowSumNorm: Double {
        var largest = 0.0
        for i in 0..<N {
            var sum = 0.0
            for j in 0..<N { sum += abs(self[i, j]) }
            if sum > largest { largest = sum }
        }
        return largest
    }

    /// exp(self), by scaling and squaring a Taylor series: the matrix is halved until its norm
    /// is below 1/2 (at most 40 halvings), the series summed to 10 terms (error below 1e-12
    /// there), then squared back. No transcendental function is needed.
    @inlinable
    public var exponential: Matrix<N> {
        var squarings = 0
        var norm = rowSumNorm
        while norm > 0.5 && squarings < 40 {
            norm *= 0.5
            squarings += 1
        }
        var scale = 1.0
        for _ in 0..<squarings { scale *= 0.5 }
        let a = scaled(by: scale)
        var result = Matrix<N>.identity
        var term = Matrix<N>.identity
        for k in 1...10 {
            term = (term * a).scaled(by: 1 / Double(k))
            result = result + term
        }
        for _ in 0..<squarings { result = result * result }
        return result
    }

    /// Symmetrises in place ((A + A^T) / 2): covariances drift from symmetry by rounding.
    @inlinable
    public mutating func symmetrize() {
        for i in 0..<N {
            for j in (i + 1)..<N {
                let mean = 0.5 * (self[i, j] + self[j, i])
                self[i, j] = mean
                self[j, i] = mean
            }
        }
    }
}

/// A fixed-size vector.
public typealias Vector<let N: Int> = InlineArray<N, Double>

import Tensor
import Testing

@Suite("Tensor value type")
struct TensorValueTests {
    @Test("shape, reshape with an inferred dimension, rows and slices keep row-major order")
    func shapes() {
        var t = Tensor(shape: [2, 3, 4], scalars: (0..<24).map(Float.init))
        #expect(t.rows == 6 && t.columns == 4 && t.rank == 3)
        #expect(t[1, 2, 3] == 23)
        #expect(t.reshaped([-1, 6]).shape == [4, 6])
        #expect(t.row(5).scalars == [20, 21, 22, 23])
        #expect(t.slices(1..<2).scalars == (12..<24).map(Float.init))
        let copy = t
        t[0, 0, 0] = 99
        #expect(copy[0, 0, 0] == 0, "copy-on-write keeps the copy unchanged")
        t.withMutableRow(1) { $0[0] = -1 }
        #expect(t[0, 1, 0] == -1)
        #expect(t.withRow(2) { Array($0) } == [8, 9, 10, 11])
    }

    @Test("zeros and repeating fill the whole shape")
    func fills() {
        #expect(Tensor(zeros: [3, 2]).scalars == [0, 0, 0, 0, 0, 0])
        #expect(Tensor(repeating: 2, shape: [2]).scalars == [2, 2])
        #expect(Tensor(zeros: []).count == 1)
    }
}

@Suite("OpenBLAS kernel selection")
struct KernelSelectionTests {
    @Test("generic kernels on an AVX-512 or AVX2 CPU are replaced; explicit settings are kept")
    func preferred() {
        let avx512: Set<String> = ["fma", "avx2", "avx512f", "avx512bw", "avx512dq", "avx512vl"]
        #expect(
            BLAS.preferredCoreType(coreName: "Prescott", cpuFlags: avx512, environment: [:])
                == "SkylakeX")
        #expect(
            BLAS.preferredCoreType(
                coreName: "Prescott", cpuFlags: ["avx2", "fma"], environment: [:]) == "Haswell")
        #expect(
            BLAS.preferredCoreType(coreName: "Prescott", cpuFlags: ["sse3"], environment: [:])
                == nil)
        #expect(
            BLAS.preferredCoreType(coreName: "SkylakeX", cpuFlags: avx512, environment: [:]) == nil)
        #expect(
            BLAS.preferredCoreType(
                coreName: "Prescott", cpuFlags: avx512,
                environment: ["OPENBLAS_CORETYPE": "Prescott"]) == nil)
        #expect(!BLAS.coreName.isEmpty)
    }
}

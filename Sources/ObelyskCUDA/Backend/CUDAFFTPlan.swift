/// How the layers of a circle FFT are split into kernel passes (Kernels/circle_fft.cu).
///
/// A pass does `layers` consecutive layers from `first` on tiles of 2^layers rows × 2^runLog adjacent
/// words, the rows 2^first words apart, all in one block's shared memory. The first pass is the
/// contiguous one (runLog 0: the tile is 2^layers adjacent words); each later pass reads runs of
/// 2^runLog words (whole 32-byte sectors and more), so every pass streams the columns once.
enum CUDAFFTPlan {
    struct Pass: Equatable, Sendable {
        let first: Int
        let layers: Int
        let runLog: Int
    }

    /// The knobs. `standard` is for real GPUs; tests shrink the tiles so that small columns
    /// already need the strided passes.
    struct Configuration: Sendable {
        /// Layers of the first (contiguous) pass.
        var lowLayers: Int
        /// Layers of each later (strided) pass, at most.
        var maxPassLayers: Int
        /// Words of a tile, log: at most the kernel's FFT_MAX_TILE_LOG (13).
        var maxTileLog: Int
        /// Words a strided pass reads from each row, log, at most.
        var maxRunLog: Int
        /// Threads per block, at most (a block has one thread per eight words of its tile).
        var maxThreads: Int

        /// 2^12-word low tiles (512 threads), then passes of up to 10 layers: a 2^24 column in three
        /// passes, up to 2^22 in two, up to 2^12 in one.
        static let standard = Configuration(lowLayers: 12, maxPassLayers: 10, maxTileLog: 13, maxRunLog: 6, maxThreads: 512)
    }

    /// The kernel's shared tile holds 2^13 words.
    static let kernelMaxTileLog = 13

    /// The passes, lowest layers first, that cover layers 0..<layers.
    static func passes(layers n: Int, configuration k: Configuration) throws -> [Pass] {
        guard k.lowLayers >= 1, k.maxPassLayers >= 1, k.maxTileLog <= kernelMaxTileLog, k.lowLayers <= k.maxTileLog,
              k.maxPassLayers <= k.maxTileLog, k.maxRunLog >= 0, k.maxThreads >= 1 else {
            throw CUDAError.unsupported("the FFT configuration \(k)")
        }
        if n <= 0 { return [] }
        let low = min(n, k.lowLayers)
        var passes = [Pass(first: 0, layers: low, runLog: 0)]
        let remaining = n - low
        if remaining > 0 {
            // As few strided passes as the limit allows, with the layers spread evenly over them.
            let count = (remaining + k.maxPassLayers - 1) / k.maxPassLayers
            var first = low
            for p in 0..<count {
                let layers = remaining / count + (p < remaining % count ? 1 : 0)
                // The run may not exceed the row spacing 2^first, nor the tile its limit.
                passes.append(Pass(first: first, layers: layers, runLog: min(first, k.maxTileLog - layers, k.maxRunLog)))
                first += layers
            }
        }
        return passes
    }
}

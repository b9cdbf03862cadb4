// Owns the short list of models suggested on first run: `hf:` sources, licences, and the shape
// figures (approximate) that the fit estimate needs before anything is downloaded.
import type { RecommendedModel } from '../contract/models.js';

const MB = 1_000_000;

/** Recommended models, smallest first. Sizes are approximate (the file sizes on Hugging Face). */
export const RECOMMENDED_MODELS: readonly RecommendedModel[] = [
  {
    id: 'qwen2.5-0.5b-instruct', title: 'Qwen2.5 0.5B Instruct (Q4_K_M)',
    source: 'hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf',
    license: 'apache-2.0', licenseUrl: 'https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct/blob/main/LICENSE',
    sizeBytes: 491 * MB, parameterCount: 494_000_000, quantization: 'Q4_K_M',
    layers: 24, embeddingLength: 896, headCount: 14, headCountKv: 2, headDim: 64, contextLength: 32_768,
  },
  {
    id: 'llama-3.2-1b-instruct', title: 'Llama 3.2 1B Instruct (Q4_K_M)',
    source: 'hf:bartowski/Llama-3.2-1B-Instruct-GGUF/Llama-3.2-1B-Instruct-Q4_K_M.gguf',
    license: 'llama3.2', licenseUrl: 'https://huggingface.co/meta-llama/Llama-3.2-1B-Instruct/blob/main/LICENSE.txt',
    sizeBytes: 808 * MB, parameterCount: 1_236_000_000, quantization: 'Q4_K_M',
    layers: 16, embeddingLength: 2048, headCount: 32, headCountKv: 8, headDim: 64, contextLength: 131_072,
  },
  {
    id: 'qwen2.5-1.5b-instruct', title: 'Qwen2.5 1.5B Instruct (Q4_K_M)',
    source: 'hf:Qwen/Qwen2.5-1.5B-Instruct-GGUF/qwen2.5-1.5b-instruct-q4_k_m.gguf',
    license: 'apache-2.0', licenseUrl: 'https://huggingface.co/Qwen/Qwen2.5-1.5B-Instruct/blob/main/LICENSE',
    sizeBytes: 1_120 * MB, parameterCount: 1_544_000_000, quantization: 'Q4_K_M',
    layers: 28, embeddingLength: 1536, headCount: 12, headCountKv: 2, headDim: 128, contextLength: 32_768,
  },
  {
    id: 'gemma-2-2b-it', title: 'Gemma 2 2B it (Q4_K_M)',
    source: 'hf:bartowski/gemma-2-2b-it-GGUF/gemma-2-2b-it-Q4_K_M.gguf',
    license: 'gemma', licenseUrl: 'https://ai.google.dev/gemma/terms',
    sizeBytes: 1_710 * MB, parameterCount: 2_614_000_000, quantization: 'Q4_K_M',
    layers: 26, embeddingLength: 2304, headCount: 8, headCountKv: 4, headDim: 256, contextLength: 8_192,
  },
  {
    id: 'llama-3.2-3b-instruct', title: 'Llama 3.2 3B Instruct (Q4_K_M)',
    source: 'hf:bartowski/Llama-3.2-3B-Instruct-GGUF/Llama-3.2-3B-Instruct-Q4_K_M.gguf',
    license: 'llama3.2', licenseUrl: 'https://huggingface.co/meta-llama/Llama-3.2-3B-Instruct/blob/main/LICENSE.txt',
    sizeBytes: 2_020 * MB, parameterCount: 3_213_000_000, quantization: 'Q4_K_M',
    layers: 28, embeddingLength: 3072, headCount: 24, headCountKv: 8, headDim: 128, contextLength: 131_072,
  },
  {
    id: 'phi-3.5-mini-instruct', title: 'Phi-3.5 mini Instruct (Q4_K_M)',
    source: 'hf:bartowski/Phi-3.5-mini-instruct-GGUF/Phi-3.5-mini-instruct-Q4_K_M.gguf',
    license: 'mit', licenseUrl: 'https://huggingface.co/microsoft/Phi-3.5-mini-instruct/blob/main/LICENSE',
    sizeBytes: 2_390 * MB, parameterCount: 3_821_000_000, quantization: 'Q4_K_M',
    layers: 32, embeddingLength: 3072, headCount: 32, headCountKv: 32, headDim: 96, contextLength: 131_072,
  },
  {
    id: 'qwen2.5-7b-instruct', title: 'Qwen2.5 7B Instruct (Q4_K_M)',
    source: 'hf:bartowski/Qwen2.5-7B-Instruct-GGUF/Qwen2.5-7B-Instruct-Q4_K_M.gguf',
    license: 'apache-2.0', licenseUrl: 'https://huggingface.co/Qwen/Qwen2.5-7B-Instruct/blob/main/LICENSE',
    sizeBytes: 4_680 * MB, parameterCount: 7_616_000_000, quantization: 'Q4_K_M',
    layers: 28, embeddingLength: 3584, headCount: 28, headCountKv: 4, headDim: 128, contextLength: 32_768,
  },
];

/** A recommended model by id. */
export function findRecommended(id: string): RecommendedModel | undefined {
  return RECOMMENDED_MODELS.find((m) => m.id === id);
}

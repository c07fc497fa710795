/** The paper's loss for one probability vector and its label, in plain numbers (reference for tests). */
export function paperLossOf(probabilities: ArrayLike<number>, label: number): number {
  let sum = 0;
  for (let i = 0; i < probabilities.length; i++) sum += Math.exp(probabilities[i]);
  return Math.log(sum) - probabilities[label];
}

"""The exercise's Moodle quiz: one Cloze question per variant (``moodle`` writes the XML).

Each question shows the variant's network as tables (what each layer computes, its
weights and biases by name, each sample's input and target, the loss and the learning
rate) and has one blank per asked value: the right value with a tolerance of half a unit
of --answer-decimals, and every slip that changes it (``slip_values``) as a 0 % answer
whose feedback is the sentence ``check`` says of it.
"""

from __future__ import annotations

from ..moodle import Blank, Question, WrongAnswer, dropped, quiz, table_html
from ..numbers import format_exact
from .request import Exercise


def moodle_text(exercise: Exercise, template, variants: list) -> tuple[str, int]:
    """moodle.xml's text, and how many slips give the same value as another in their blank."""
    questions = [question(exercise, template, variant) for variant in variants]
    merged = sum(d.shared for q in questions for d in dropped(q))
    return quiz(questions, category=exercise.category), merged


def question(exercise: Exercise, template, variant) -> Question:
    tolerance = 0.5 * 10.0 ** -exercise.answer_decimals
    several = len(variant.network.samples) > 1
    blanks = tuple(Blank(_label(item, several), variant.values[item], tolerance,
                         tuple(WrongAnswer(slip.value, slip.sentence)
                               for slip in variant.slips[item]),
                         decimals=exercise.answer_decimals)
                   for item in template.asked)
    return Question(variant.id, intro_html(exercise, variant.network), blanks)


def _label(item, several: bool) -> str:
    """The asked key, and its sample when there are several."""
    return f"{item.key} (sample {item.sample + 1})" if several and item.sample is not None \
        else item.key


def intro_html(exercise: Exercise, network) -> str:
    """The network as a student needs it: the task, then tables of every number."""
    several = len(network.samples) > 1
    d = exercise.decimals
    task = (f"<p>One iteration of gradient descent (learning rate "
            f"{format_exact(network.learning_rate)}, loss {network.loss.name}"
            + (f", the mean over the {len(network.samples)} samples in one batch"
               if several else "")
            + "). Give each value below to "
            f"{exercise.answer_decimals} decimals.</p>")
    parts = [task]
    rows = [[str(s + 1), ", ".join(f"{v:.{d}f}" for v in sample.input),
             ", ".join(format_exact(v) for v in sample.target)]
            for s, sample in enumerate(network.samples)]
    parts.append(table_html(rows, header=["sample", "input x", "target y"],
                            caption="Inputs and targets"))
    for l, layer in enumerate(network.layers):
        names = layer.weight_names or []
        bias_names = layer.bias_names or []
        rows = []
        for j in range(layer.size):
            weights = ", ".join(f"{names[j][i]} = {layer.weights[j, i]:.{d}f}"
                                for i in range(layer.inputs))
            rows.append([str(j + 1), weights, f"{bias_names[j]} = {layer.biases[j]:.{d}f}"])
        caption = (f"Layer {l + 1} ({layer.activation.describe()}): z = W a + b, one row "
                   f"per neuron, a weight per input {'x' if l == 0 else f'a{l}'}")
        parts.append(table_html(rows, header=["neuron", "weights", "bias"], caption=caption))
    return "\n".join(parts)

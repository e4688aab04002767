// MathJax 3's options for the offline site: nbconvert's delimiters, in a file (the pages'
// Content-Security-Policy runs no inline script).
window.MathJax = {
  tex: {inlineMath: [['$', '$'], ['\\(', '\\)']], displayMath: [['$$', '$$'], ['\\[', '\\]']],
        processEscapes: true, processEnvironments: true, tags: 'ams'},
  svg: {fontCache: 'global'},
  startup: {typeset: true}
};

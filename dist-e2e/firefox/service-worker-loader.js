import './assets/background.ts-B-HX5_pp.js';
